using System.Diagnostics;
using System.Net;
using MasterSocket.Benchmarks.Load.Clients;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// Everything one run of one scenario on one server shares: options, the server, the correctness
/// ledger, the latency histogram, the clients it opened (closed at the end), and helpers to open
/// many connections from several loopback source addresses.
/// </summary>
public sealed class RunContext : IDisposable
{
    /// <summary>Connections per 127.0.0.x source address when spreading automatically (of ~28k ephemeral ports each).</summary>
    private const int ConnectionsPerSource = 20_000;

    /// <summary>How often <see cref="WaitAsync"/> checks for a broken run or an early end.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    private readonly List<BenchClient> _clients = [];
    private readonly CancellationTokenSource _cancel;
    private volatile bool _recording;
    private volatile bool _windowOpened;

    public RunContext(LoadOptions options, ServerProcess server, string scenario, CancellationToken cancellationToken)
    {
        Options = options;
        Server = server;
        Verification = new Verification(scenario, server.Kind);
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Verification.Aborted);
    }

    public LoadOptions Options { get; }

    public ServerProcess Server { get; }

    public Verification Verification { get; }

    public LatencyHistogram Histogram { get; } = new();

    /// <summary>Cancelled by the caller, or at the first verification problem.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>
    /// Whether the publishers may send: always, unless <c>--interleave</c> has this server take turns
    /// with the other (<see cref="Scenarios.TrafficScenario.RunInterleavedAsync"/>).
    /// </summary>
    public TrafficGate Gate { get; } = new();

    /// <summary>True while the measured window is open: receivers record latency only then.</summary>
    public bool Recording
    {
        get => _recording;
        set
        {
            _recording = value;
            _windowOpened |= value;
        }
    }

    /// <summary>True once a measured window has been opened in this run (read by the core speed probe's thread).</summary>
    public bool WindowOpened => _windowOpened;

    public IReadOnlyList<BenchClient> Clients => _clients;

    /// <summary>Records one delivery's latency if the window is open.</summary>
    /// <summary>
    /// Records one message's latency: from the timestamp in its payload to when the read that
    /// brought it returned (<see cref="BenchClient.ReceivedAt"/>).
    /// </summary>
    public void RecordLatency(long sentTimestamp, long receivedTimestamp)
    {
        if (Recording)
        {
            Histogram.RecordTicks(sentTimestamp, receivedTimestamp);
        }
    }

    public BenchClient CreateClient(int index, ClientSpec spec)
    {
        BenchClient client = Server.Kind == ServerKind.MasterSocket
            ? new MasterSocketClient(index, spec, Verification)
            : new NatsClient(index, spec, Verification);
        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// Connects <paramref name="clients"/>, <see cref="LoadOptions.ConnectConcurrency"/> at a time,
    /// spreading them over 127.0.0.1, .2, ... when there are many; completes when every one is accepted.
    /// </summary>
    public async Task ConnectAllAsync(IReadOnlyList<BenchClient> clients, int receiveBufferSize, int totalConnections)
    {
        var sources = Options.Sources > 0 ? Options.Sources : Math.Max(1, (totalConnections + ConnectionsPerSource - 1) / ConnectionsPerSource);
        var loopback = Server.Endpoint.EndPoint.Address.Equals(IPAddress.Loopback);
        var deadline = TimeSpan.FromSeconds(60 + (clients.Count / 100.0));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(deadline);
        var next = -1;

        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < clients.Count)
            {
                var client = clients[i];
                var source = loopback && sources > 1 ? new IPAddress(new byte[] { 127, 0, 0, (byte)(1 + (client.Index % sources)) }) : null;
                try
                {
                    await client.ConnectAsync(Server.Endpoint, source, receiveBufferSize, timeout.Token);
                }
                catch (OperationCanceledException) when (!Token.IsCancellationRequested)
                {
                    throw new LoadRunFailedException($"connecting {clients.Count} clients took longer than {deadline.TotalSeconds:0} s ({i} started)");
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
                {
                    throw new LoadRunFailedException($"{client.Spec.Name}: connect from {source?.ToString() ?? "127.0.0.1"} failed: {ex.Message}");
                }
            }
        }

        var workers = Enumerable.Range(0, Math.Min(Options.ConnectConcurrency, clients.Count)).Select(_ => Worker()).ToList();
        try
        {
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException) when (Verification.HasFailed)
        {
            Verification.ThrowIfFailed();
        }
    }

    /// <summary>
    /// Opens one connection that does everything a measured client does (upgrade and IDENTIFY, or
    /// CONNECT and its SUB), then closes it. Not kept in <see cref="Clients"/>. A server's first
    /// connection pays one-time costs (libraries loaded, code compiled) that a baseline taken before
    /// it would charge to the measured connections.
    /// </summary>
    public async Task WarmUpAsync(ClientSpec spec, int receiveBufferSize)
    {
        BenchClient client = Server.Kind == ServerKind.MasterSocket
            ? new MasterSocketClient(-1, spec, Verification)
            : new NatsClient(-1, spec, Verification);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await client.ConnectAsync(Server.Endpoint, null, receiveBufferSize, timeout.Token);
        }
        finally
        {
            client.Close();
        }
    }

    /// <summary>Waits <paramref name="duration"/>, failing early if the server dies or a problem is reported.</summary>
    public async Task WaitAsync(TimeSpan duration, Func<bool>? doneEarly = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            ThrowIfBroken();
            if (doneEarly?.Invoke() == true)
            {
                return;
            }

            // Read the clock again: time has passed since the loop's test.
            if (NextPause(duration, watch.Elapsed) is not { } pause)
            {
                break;
            }

            try
            {
                await Task.Delay(pause, Token);
            }
            catch (OperationCanceledException)
            {
                ThrowIfBroken();
                throw;
            }
        }

        ThrowIfBroken();
    }

    /// <summary>
    /// The next pause of <see cref="WaitAsync"/>: what is left of <paramref name="duration"/>, at most
    /// <see cref="Pause"/>; null once nothing is left. A "left" that went negative must never reach
    /// Task.Delay: -1 ms there means wait forever (a run hung until its guard gave up on it, seen on
    /// the loaded 2-core machine), anything below throws.
    /// </summary>
    public static TimeSpan? NextPause(TimeSpan duration, TimeSpan elapsed)
    {
        var left = duration - elapsed;
        if (left <= TimeSpan.Zero)
        {
            return null;
        }

        return left < Pause ? left : Pause;
    }

    /// <summary>Fails the run if a problem was reported or the server process died.</summary>
    public void ThrowIfBroken()
    {
        Verification.ThrowIfFailed();
        if (Server.HasExited)
        {
            throw new LoadRunFailedException($"{Verification.Scenario}: {Server.Kind.Label()} exited during the run:\n{Server.OutputTail}");
        }
    }

    public long? ServerRss() => Server.Pid is { } pid ? ProcessStats.RssBytes(pid) : null;

    /// <summary>From now on connections may end: the server is about to be stopped.</summary>
    public void MarkClosing()
    {
        foreach (var client in _clients)
        {
            client.MarkClosing();
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Close();
        }

        _clients.Clear();
        _cancel.Dispose();
    }
}
