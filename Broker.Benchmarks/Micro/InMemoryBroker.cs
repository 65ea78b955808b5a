using System.Text;
using MasterSocket.Broker;
using MasterSocket.Broker.Auth;
using MasterSocket.Broker.Options;
using MasterSocket.Broker.Routing;
using MasterSocket.Broker.Sessions;
using MasterSocket.Broker.Transport;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Protocol.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace MasterSocket.Benchmarks.Micro;

/// <summary>
/// A connection without a socket: frames are queued in memory, as the real connection queues them
/// before its send loop takes them. With <see cref="InMemoryBroker"/>, it drives real sessions and
/// the real router for the routing micro-benchmarks and for the allocation budgets Broker.Tests
/// checks in CI (which reference this project for it).
/// </summary>
public sealed class InMemoryConnection(long id) : IClientConnection
{
    private readonly Queue<OutboundFrame> _queue = new();

    public long Id { get; } = id;

    public long ConnectedAt { get; } = Environment.TickCount64;

    public long LastActivity => Environment.TickCount64;

    public DisconnectCode? DisconnectedWith { get; private set; }

    public int Queued => _queue.Count;

    /// <summary>The frames queued here, oldest first, still queued. For tests.</summary>
    public OutboundFrame[] QueuedFrames()
    {
        lock (_queue)
        {
            return [.. _queue];
        }
    }

    /// <summary>How many times a frame was queued here (one frame may hold several messages). For tests.</summary>
    public int SendCalls { get; private set; }

    public bool Send(OutboundFrame frame)
    {
        lock (_queue)
        {
            SendCalls++;
            frame.AddReference();
            _queue.Enqueue(frame);
        }

        return true;
    }

    /// <summary>
    /// Takes everything queued and releases it, as a send loop would, and returns the number of
    /// messages it held; <paramref name="inspect"/> sees each WebSocket frame's payload as text.
    /// </summary>
    public int Drain(Action<string>? inspect = null)
    {
        lock (_queue)
        {
            var messages = 0;
            while (_queue.TryDequeue(out var frame))
            {
                messages += frame.Messages;
                var bytes = frame.Span;
                while (inspect is not null && FrameHeader.TryParse(bytes, out var header, out _))
                {
                    inspect(Encoding.UTF8.GetString(bytes.Slice(header.HeaderLength, (int)header.PayloadLength)));
                    bytes = bytes[(header.HeaderLength + (int)header.PayloadLength)..];
                }

                frame.Release();
            }

            return messages;
        }
    }

    public void Disconnect(DisconnectCode code, string reason) => DisconnectedWith = code;

    public void CloseNormally()
    {
    }
}

/// <summary>A broker's routing core (registry, router, sessions) in memory, no sockets, no host.</summary>
public sealed class InMemoryBroker
{
    private long _nextId;

    public InMemoryBroker()
    {
        Registry = new LocalClientRegistry();
        Runtime = new BrokerRuntime(
            Microsoft.Extensions.Options.Options.Create(new BrokerOptions()),
            new NoneAuthenticator(),
            Registry,
            new Router(Registry, new InMemoryBackplane()),
            NullLoggerFactory.Instance);
    }

    public LocalClientRegistry Registry { get; }

    public BrokerRuntime Runtime { get; }

    /// <summary>A session identified through a real IDENTIFY envelope (auth None completes synchronously).</summary>
    public (Session Session, InMemoryConnection Connection) Identify(string name, string role, params string[] groups)
    {
        var connection = new InMemoryConnection(Interlocked.Increment(ref _nextId));
        var session = new Session(connection, Runtime);
        var groupList = string.Join(",", groups.Select(g => $"\"{g}\""));
        var pending = session.OnMessage(Encoding.UTF8.GetBytes($$$"""{"id":"i","op":1,"data":{"name":"{{{name}}}","role":"{{{role}}}","groups":[{{{groupList}}}]}}"""));
        pending?.GetAwaiter().GetResult();
        if (session.State != SessionState.Identified)
        {
            throw new InvalidOperationException($"IDENTIFY failed for {name}");
        }

        connection.Drain(); // the IDENTIFY reply
        return (session, connection);
    }
}
