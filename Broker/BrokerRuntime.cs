using System.IO.Pipelines;
using MasterSocket.Broker.Auth;
using MasterSocket.Broker.Options;
using MasterSocket.Broker.Routing;
using MasterSocket.Broker.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MasterSocket.Broker;

/// <summary>
/// What every connection of this node shares: options (with timeouts in milliseconds, read on every
/// tick), the node id, the authenticator, registry, router and the live connections.
/// </summary>
public sealed class BrokerRuntime
{
    private readonly HashSet<string> _allowedOrigins;
    private long _pingId;

    public BrokerRuntime(IOptions<BrokerOptions> options, IAuthenticator authenticator, IClientRegistry registry, Router router, ILoggerFactory loggers)
    {
        Options = options.Value;
        NodeId = string.IsNullOrEmpty(Options.NodeId) ? $"node-{Guid.NewGuid():N}"[..17] : Options.NodeId;
        Authenticator = authenticator;
        Registry = registry;
        Router = router;
        Connections = new ConnectionManager(Options.Limits.MaxConnections);
        Sends = new SendScheduler(Environment.ProcessorCount);
        ConnectionLogger = loggers.CreateLogger("MasterSocket.Broker.Transport");
        SessionLogger = loggers.CreateLogger("MasterSocket.Broker.Sessions");
        _allowedOrigins = new HashSet<string>(Options.AllowedOrigins, StringComparer.OrdinalIgnoreCase);

        var session = Options.Session;
        IdentifyTimeoutMs = (long)session.IdentifyTimeout.TotalMilliseconds;
        HeartbeatIntervalMs = (long)session.HeartbeatInterval.TotalMilliseconds;
        HeartbeatTimeoutMs = (long)session.HeartbeatTimeout.TotalMilliseconds;
        CloseTimeoutMs = (long)session.CloseTimeout.TotalMilliseconds;

        // No pause threshold: the receive loop is the pipe's only reader and does not receive again
        // until it has parsed, so the pipe never holds more than one message plus one receive.
        InputPipes = new InputPipePool(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0,
            resumeWriterThreshold: 0,
            useSynchronizationContext: false),
            Options.Limits.MaxMessageBytes);
    }

    public BrokerOptions Options { get; }
    public string NodeId { get; }
    public IAuthenticator Authenticator { get; }
    public IClientRegistry Registry { get; }
    public Router Router { get; }
    public ConnectionManager Connections { get; }
    public SendScheduler Sends { get; }
    public ILogger ConnectionLogger { get; }
    public ILogger SessionLogger { get; }
    /// <summary>Receive pipes and frame readers, lent to a connection only while it has unparsed bytes.</summary>
    internal InputPipePool InputPipes { get; }

    public long IdentifyTimeoutMs { get; }
    public long HeartbeatIntervalMs { get; }
    public long HeartbeatTimeoutMs { get; }
    public long CloseTimeoutMs { get; }

    /// <summary>True when accepting new clients; false once shutdown has begun.</summary>
    public bool IsAccepting { get; set; } = true;

    /// <summary>
    /// PROTOCOL.md 8: with AllowedOrigins set, an Origin not listed gets 403. A request without Origin
    /// is not from a browser (services, game clients), which is what the check protects, so it passes.
    /// </summary>
    public bool IsOriginAllowed(string? origin) => _allowedOrigins.Count == 0 || origin is null || _allowedOrigins.Contains(origin);

    /// <summary>The id of the broker's next heartbeat PING, unique on this node.</summary>
    public long NextPingId() => Interlocked.Increment(ref _pingId);
}
