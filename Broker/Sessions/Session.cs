using System.Buffers;
using System.Text;
using System.Text.Json;
using MasterSocket.Broker.Auth;
using MasterSocket.Broker.Routing;
using MasterSocket.Broker.Transport;
using MasterSocket.Protocol.Envelopes;
using Microsoft.Extensions.Logging;

namespace MasterSocket.Broker.Sessions;

/// <summary>
/// One client's session over one WebSocket: its state (PROTOCOL.md 3), its identity once IDENTIFY
/// succeeds, and what each envelope it sends does. Called only by its connection's receive loop
/// (and the heartbeat tick); <see cref="Send"/> is what other sessions' routing calls.
/// </summary>
public sealed class Session
{
    private readonly IClientConnection _connection;
    private readonly BrokerRuntime _runtime;
    private HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _groupLookup;
    private long _nextPingAt;

    // A SessionState, changed only by Interlocked operations (see TryMoveTo and OnEnded): a lock
    // object per session would be 40 bytes more on every idle connection.
    private int _state = (int)SessionState.AwaitingIdentify;

    public Session(IClientConnection connection, BrokerRuntime runtime)
    {
        _connection = connection;
        _runtime = runtime;
    }

    public SessionState State => (SessionState)Volatile.Read(ref _state);

    /// <summary>
    /// The client id the broker assigned at IDENTIFY, as UTF-8: what DIRECT targets, the registry's key,
    /// and what is stamped as <c>from</c> on everything this client sends. Kept only as bytes: a string
    /// as well would be ~100 bytes more per idle connection.
    /// </summary>
    public byte[] ClientIdUtf8 { get; private set; } = [];

    /// <summary><see cref="ClientIdUtf8"/> as text, made on each call: for logs, admin and tests, not for routing.</summary>
    public string ClientId => Encoding.UTF8.GetString(ClientIdUtf8);

    public string? Name { get; private set; }

    public Role Role { get; private set; }

    public IReadOnlyList<string> Groups { get; private set; } = [];

    public IClientConnection Connection => _connection;

    public bool IsMemberOf(ReadOnlySpan<char> group) => Groups.Count > 0 && _groupLookup.Contains(group);

    /// <summary>Queues a frame for this client (see <see cref="IClientConnection.Send"/>).</summary>
    public bool Send(OutboundFrame frame) => _connection.Send(frame);

    /// <summary>
    /// Handles one envelope. Returns a task only when the receive loop must wait before reading on
    /// (an IDENTIFY's credential check); otherwise everything is done when it returns.
    /// </summary>
    public Task? OnMessage(ReadOnlySpan<byte> message)
    {
        // Every message reaches here from a text frame whose UTF-8 the frame reader has checked.
        if (!EnvelopeReader.TryReadText(message, out var envelope, out var error))
        {
            SendError(error.Id.Of(message), error.Code, error.Message);
            return null;
        }

        var id = envelope.Id.Of(message);
        if (envelope.Op == OpCode.Identify)
        {
            return Identify(message, envelope);
        }

        if (envelope.Op == OpCode.Ping)
        {
            SendBrokerMessage(id, OpCode.Pong);
            return null;
        }

        if (State != SessionState.Identified)
        {
            SendError(id, ErrorCode.NotIdentified, "send IDENTIFY first: only IDENTIFY and PING are accepted before it succeeds");
            return null;
        }

        switch (envelope.Op)
        {
            case OpCode.Pong:
                break; // its arrival already counted as a sign of life
            case OpCode.Disconnect:
                _connection.CloseNormally();
                break;
            default:
                Route(message, envelope, id);
                break;
        }

        return null;
    }

    private void Route(ReadOnlySpan<byte> message, in Envelope envelope, ReadOnlySpan<byte> id)
    {
        switch (_runtime.Router.Route(this, message, envelope))
        {
            case RouteOutcome.Forbidden:
                SendError(id, ErrorCode.Forbidden, envelope.Target == Target.Global
                    ? "only the service role may send to GLOBAL"
                    : "the client role may send GROUP only to groups it is a member of");
                break;
            case RouteOutcome.NotFound:
                SendError(id, ErrorCode.NotFound, "no connected client has that clientId");
                break;
        }
    }

    private Task? Identify(ReadOnlySpan<byte> message, in Envelope envelope)
    {
        var id = envelope.Id.Of(message);
        if (State != SessionState.AwaitingIdentify)
        {
            SendError(id, ErrorCode.AlreadyIdentified, "this connection has already identified");
            return null;
        }

        if (!IdentifyRequest.TryParse(envelope.Data.Of(message), out var request, out var problem))
        {
            SendError(id, ErrorCode.BadRequest, problem);
            return null;
        }

        if (!TryMoveTo(SessionState.Identifying, from: SessionState.AwaitingIdentify))
        {
            return null; // the connection ended meanwhile
        }

        // A check that is already done (auth None, API keys) finishes here, with the id still in the
        // message: no copy of it and no task. Only a check that waits needs the id to outlive the message.
        var check = _runtime.Authenticator.AuthenticateAsync(request);
        if (check.IsCompletedSuccessfully)
        {
            CompleteIdentify(id, request, check.Result);
            return null;
        }

        return IdentifyAsync(id.ToArray(), request, check);
    }

    private async Task IdentifyAsync(byte[] id, IdentifyRequest request, ValueTask<AuthResult> check)
    {
        var result = await check.ConfigureAwait(false);
        CompleteIdentify(id, request, result);
    }

    private void CompleteIdentify(ReadOnlySpan<byte> id, IdentifyRequest request, AuthResult result)
    {
        var identity = result.Identity;
        var refusal = result.Failure;
        if (identity is not null && FirstForbiddenGroup(identity, request.Groups) is { } forbiddenGroup)
        {
            refusal = $"the credential does not allow joining group '{forbiddenGroup}'";
        }

        if (refusal is not null)
        {
            Log.AuthFailed(_runtime.SessionLogger, _connection.Id, refusal);
            TryMoveTo(SessionState.AwaitingIdentify, from: SessionState.Identifying);
            _connection.Disconnect(DisconnectCode.AuthFailed, refusal);
            return;
        }

        ClientIdUtf8 = NewClientId();
        Name = identity!.Name ?? request.Name;
        Role = identity.Role;
        if (request.Groups.Count > 0)
        {
            // Only a member of some group needs the lookup set: most clients of a game broker have none.
            _groupLookup = new HashSet<string>(request.Groups, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
            Groups = request.Groups.ToArray(); // a plain array: no read-only wrapper object per session
        }

        // The reply goes out before the client can receive anything routed to it.
        SendIdentifyReply(id);
        if (!TryMoveTo(SessionState.Identified, from: SessionState.Identifying))
        {
            return; // the connection ended while the credential was checked
        }

        _runtime.Registry.Register(this);

        // OnEnded may have run between the move and the registration, and unregistered a session that
        // was not in yet. Whichever side comes second undoes the registration: OnEnded if it saw
        // Identified after Register finished, this one if it sees Ended now. Unregister is idempotent.
        Interlocked.MemoryBarrier(); // the registration's writes before the read of the state
        if (State == SessionState.Ended)
        {
            _runtime.Registry.Unregister(this);
            return;
        }

        _nextPingAt = Environment.TickCount64 + _runtime.HeartbeatIntervalMs;
        if (_runtime.SessionLogger.IsEnabled(LogLevel.Debug))
        {
            Log.Identified(_runtime.SessionLogger, ClientId, Name, Role.WireName(), _connection.Id, Groups);
        }
    }

    /// <summary>A random UUID in its 36-character text form, written straight as UTF-8 (no string on the way).</summary>
    private static byte[] NewClientId()
    {
        var id = new byte[36];
        Guid.NewGuid().TryFormat(id, out _, "D");
        return id;
    }

    /// <summary>The first group the credential does not allow. A loop, not a lambda: a closure would be allocated on every IDENTIFY.</summary>
    private static string? FirstForbiddenGroup(Identity identity, IReadOnlyList<string> groups)
    {
        foreach (var group in groups)
        {
            if (!identity.AllowedGroups.Allows(group))
            {
                return group;
            }
        }

        return null;
    }

    /// <summary>Deadlines: IDENTIFY in time; then a PING every interval and silence within the timeout.</summary>
    public void OnTick(long now)
    {
        switch (State)
        {
            case SessionState.AwaitingIdentify when now - _connection.ConnectedAt >= _runtime.IdentifyTimeoutMs:
                _connection.Disconnect(DisconnectCode.IdentifyTimeout, "IDENTIFY did not arrive in time");
                break;
            case SessionState.Identified when now - _connection.LastActivity >= _runtime.HeartbeatTimeoutMs:
                _connection.Disconnect(DisconnectCode.HeartbeatTimeout, "nothing arrived from this client within the heartbeat timeout");
                break;
            case SessionState.Identified when now >= _nextPingAt:
                _nextPingAt = now + _runtime.HeartbeatIntervalMs;
                Span<byte> id = stackalloc byte[20];
                _runtime.NextPingId().TryFormat(id, out var written);
                SendBrokerMessage(id[..written], OpCode.Ping);
                break;
        }
    }

    /// <summary>The connection ended: from now on nobody can reach this client (PROTOCOL.md 3.5).</summary>
    public void OnEnded()
    {
        if ((SessionState)Interlocked.Exchange(ref _state, (int)SessionState.Ended) == SessionState.Identified)
        {
            _runtime.Registry.Unregister(this);
        }
    }

    /// <summary>Moves from one state to another, unless another thread moved it first (to Ended).</summary>
    private bool TryMoveTo(SessionState to, SessionState from) =>
        Interlocked.CompareExchange(ref _state, (int)to, (int)from) == (int)from;

    private void SendIdentifyReply(ReadOnlySpan<byte> id)
    {
        var frame = OutboundFrame.Rent();
        BrokerMessages.WriteIdentifyReply(frame, id, ClientIdUtf8, Name, Role.WireName(), Groups, _runtime.HeartbeatIntervalMs, _runtime.NodeId);
        _connection.Send(frame);
        frame.Release();
    }

    private void SendBrokerMessage(ReadOnlySpan<byte> id, OpCode op)
    {
        var frame = OutboundFrame.Rent();
        if (op == OpCode.Pong)
        {
            BrokerMessages.WritePong(frame, id);
        }
        else
        {
            BrokerMessages.WritePing(frame, id);
        }

        _connection.Send(frame);
        frame.Release();
    }

    private void SendError(ReadOnlySpan<byte> id, ErrorCode code, string message)
    {
        var frame = OutboundFrame.Rent();
        BrokerMessages.WriteError(frame, id, code, message);
        _connection.Send(frame);
        frame.Release();
    }
}
