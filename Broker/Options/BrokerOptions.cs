namespace MasterSocket.Broker.Options;

/// <summary>Everything under the <c>Broker:</c> configuration section (PROTOCOL.md 8).</summary>
public sealed class BrokerOptions
{
    public const string Section = "Broker";

    /// <summary>WebSocket port (path <c>/ws</c>); 0 picks a free port (tests).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>HTTP admin port: /healthz, /readyz; 0 picks a free port (tests).</summary>
    public int AdminPort { get; set; } = 8081;

    /// <summary>Address both ports bind to. Defaults to every IPv4 interface.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>This node's id, in IDENTIFY's reply; generated when empty.</summary>
    public string? NodeId { get; set; }

    /// <summary>If set, an upgrade whose Origin header is present and not listed gets 403.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>How long a SIGTERM may take: DISCONNECT SHUTDOWN to everyone, flush, exit.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public LimitsOptions Limits { get; set; } = new();
    public SessionOptions Session { get; set; } = new();
    public AuthOptions Auth { get; set; } = new();
}

public sealed class LimitsOptions
{
    /// <summary>Largest WebSocket message accepted; a bigger one closes with 1009.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Bytes that may wait to be sent to one client; more disconnects it with SLOW_CONSUMER.</summary>
    public long MaxPendingBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Upgrades beyond this many open connections get 503; 0 means unlimited.</summary>
    public int MaxConnections { get; set; }

    /// <summary>Bound on the HTTP upgrade request head; longer gets 431.</summary>
    public int MaxHandshakeBytes { get; set; } = 8 * 1024;
}

public sealed class SessionOptions
{
    /// <summary>A connection must complete the upgrade and IDENTIFY within this time.</summary>
    public TimeSpan IdentifyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the broker PINGs each identified client.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Silence (no frame at all) after which a client is disconnected with HEARTBEAT_TIMEOUT.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the broker waits for the client's close frame or FIN after sending its own close.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
