using System.Net;

namespace MasterSocket.Benchmarks.Load.Clients;

/// <summary>
/// What a client listens to, in the scenarios' terms; each server adapter maps it onto its own
/// protocol (see <see cref="MasterSocketClient"/> and <see cref="NatsClient"/>).
/// </summary>
public sealed record ClientSpec
{
    public required string Name { get; init; }

    /// <summary>MasterSocket role service (may send GLOBAL and to groups it is not in).</summary>
    public bool Service { get; init; }

    /// <summary>A group (MasterSocket) or subject (NATS) this client receives.</summary>
    public string? Group { get; init; }

    /// <summary>NATS only: receive <see cref="Group"/> as a member of this queue group (one member gets each message).</summary>
    public string? QueueGroup { get; init; }

    /// <summary>Receives broadcasts: every identified MasterSocket client does; a NATS client subscribes to the broadcast subject.</summary>
    public bool GlobalMember { get; init; }

    /// <summary>NATS: the subject this client receives direct messages and replies on (MasterSocket uses its clientId).</summary>
    public string? Inbox { get; init; }
}

public enum DestinationKind
{
    Group,
    Global,
    Direct,
}

/// <summary>Where a publish goes; for requests, <see cref="ReplyTo"/> asks NATS to send the answer to that subject.</summary>
public readonly record struct Destination(DestinationKind Kind, string Name, string? ReplyTo = null)
{
    public const string GlobalSubject = "global";

    public static Destination Group(string name) => new(DestinationKind.Group, name);

    public static Destination Global() => new(DestinationKind.Global, GlobalSubject);

    public static Destination Direct(string address) => new(DestinationKind.Direct, address);
}

/// <summary>A delivered message as the scenario sees it: the application payload and what is needed to answer it.</summary>
public readonly ref struct Delivery
{
    public Delivery(ReadOnlySpan<byte> payload, bool isReply, ReadOnlySpan<byte> id, ReadOnlySpan<byte> from, ReadOnlySpan<byte> replyTo)
    {
        Payload = payload;
        IsReply = isReply;
        Id = id;
        From = from;
        ReplyTo = replyTo;
    }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>MasterSocket: the envelope was a REPLY (op 5).</summary>
    public bool IsReply { get; }

    /// <summary>MasterSocket: the raw id token (echoed in a REPLY).</summary>
    public ReadOnlySpan<byte> Id { get; }

    /// <summary>MasterSocket: the sender's clientId (a REPLY goes DIRECT to it).</summary>
    public ReadOnlySpan<byte> From { get; }

    /// <summary>NATS: the reply subject of a request.</summary>
    public ReadOnlySpan<byte> ReplyTo { get; }
}

public delegate void DeliveryHandler(BenchClient receiver, in Delivery delivery);

/// <summary>A publish route prepared once, so a message costs only the bytes that change.</summary>
public sealed class PreparedRoute(byte[] head, byte[] tail)
{
    public byte[] Head { get; } = head;
    public byte[] Tail { get; } = tail;
}

/// <summary>
/// One load-tool client on one <see cref="WsConnection"/>: connects, performs the server's own
/// handshake (MasterSocket IDENTIFY, NATS CONNECT/SUB), then publishes and receives. Everything that
/// goes wrong is reported to the run's <see cref="Verification"/>, which fails the run.
/// </summary>
public abstract class BenchClient : IWebSocketSink
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _closing;
    private WsConnection? _connection;

    protected BenchClient(int index, ClientSpec spec, Verification verification)
    {
        Index = index;
        Spec = spec;
        Verification = verification;
    }

    public int Index { get; }

    public ClientSpec Spec { get; }

    public Verification Verification { get; }

    /// <summary>Called for every application message (EVENT/REPLY, NATS MSG), on the receive loop.</summary>
    public DeliveryHandler? OnDelivery { get; set; }

    private long _received;

    /// <summary>Application messages received (written by the receive loop only, read by the meter).</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Where other clients send DIRECT messages to reach this one (clientId or inbox subject).</summary>
    public abstract string Address { get; }

    protected WsConnection Connection => _connection ?? throw new InvalidOperationException("not connected");

    /// <summary>When the read that brought the message being delivered returned (<see cref="WsConnection.ReceivedAt"/>).</summary>
    public long ReceivedAt => _connection?.ReceivedAt ?? 0;

    /// <summary>Completes when the server has accepted the client (IDENTIFY reply, or NATS PONG after CONNECT and SUBs).</summary>
    public Task Ready => _ready.Task;

    protected abstract string? Subprotocol { get; }

    /// <summary>Connects, upgrades and starts the handshake; completes when <see cref="Ready"/> does.</summary>
    public async Task ConnectAsync(WsEndpoint endpoint, IPAddress? source, int receiveBufferSize, CancellationToken cancellationToken)
    {
        _connection = await WsConnection.ConnectAsync(endpoint, source, receiveBufferSize, Subprotocol, cancellationToken);
        _connection.Start(this);
        StartHandshake();
        await Ready.WaitAsync(cancellationToken);
    }

    /// <summary>Prepares a route for <see cref="Publish"/>.</summary>
    public abstract PreparedRoute Prepare(Destination destination);

    /// <summary>Sends one message carrying <paramref name="payload"/>; <paramref name="id"/> is the MasterSocket envelope id.</summary>
    public abstract void Publish(PreparedRoute route, ReadOnlySpan<byte> payload, long id, bool flush = true);

    /// <summary>
    /// The closed loop of fanout, global and direct: whenever <paramref name="window"/> has room,
    /// send that many messages (sequence numbers from 0, timestamped now), flushing once per burst.
    /// </summary>
    public async Task PublishWindowedAsync(PreparedRoute route, FlowWindow window, TrafficGate gate, int senderIndex, int payloadBytes, CancellationToken stop)
    {
        var payload = Payload.CreateBuffer(payloadBytes);
        long sequence = 0;
        while (!stop.IsCancellationRequested)
        {
            await gate.WaitOpenAsync(stop);
            await window.WaitForRoomAsync(stop);
            if (!gate.TryEnter())
            {
                continue; // closed while this waited for room: wait for the next turn
            }

            try
            {
                var room = window.Room;
                window.Sent(room);
                for (var k = 0; k < room; k++)
                {
                    Payload.Write(payload, senderIndex, sequence, System.Diagnostics.Stopwatch.GetTimestamp());
                    Publish(route, payload, sequence, flush: k == room - 1);
                    sequence++;
                }
            }
            finally
            {
                gate.Exit();
            }
        }
    }

    /// <summary>Answers <paramref name="request"/> (MasterSocket REPLY DIRECT to its sender; NATS PUB to its reply subject).</summary>
    public abstract void Reply(in Delivery request, ReadOnlySpan<byte> payload);

    public void Flush() => _connection?.Flush();

    /// <summary>From now on the connection's end is expected, not a failure.</summary>
    public void MarkClosing() => _closing = true;

    public void Close()
    {
        MarkClosing();
        _connection?.Dispose();
    }

    public abstract void OnMessage(ReadOnlySpan<byte> message);

    public void OnClosed(string reason)
    {
        if (_closing)
        {
            return;
        }

        var problem = $"{Spec.Name}: connection ended unexpectedly: {reason}";
        _ready.TrySetException(new LoadRunFailedException(problem));
        Verification.Fail(problem);
    }

    protected abstract void StartHandshake();

    protected void SetReady() => _ready.TrySetResult();

    /// <summary>Counts one application message and hands it to <see cref="OnDelivery"/>.</summary>
    protected void Deliver(in Delivery delivery)
    {
        Volatile.Write(ref _received, _received + 1);
        OnDelivery?.Invoke(this, delivery);
    }

    /// <summary>A protocol-level problem: fails the run, and the connect if it is still pending.</summary>
    protected void Problem(string problem)
    {
        var text = $"{Spec.Name}: {problem}";
        _ready.TrySetException(new LoadRunFailedException(text));
        Verification.Fail(text);
    }

    /// <summary>Per-thread scratch for composing one message before it is framed.</summary>
    protected static byte[] Scratch(int length)
    {
        var scratch = t_scratch;
        if (scratch is null || scratch.Length < length)
        {
            scratch = t_scratch = new byte[Math.Max(length, 1024)];
        }

        return scratch;
    }

    [ThreadStatic]
    private static byte[]? t_scratch;
}
