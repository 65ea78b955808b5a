using MasterSocket.Benchmarks.Load.Clients;

namespace MasterSocket.Benchmarks.Load.Scenarios;

/// <summary>
/// idle: N connections that identify (NATS: CONNECT, and by default one SUB on the client's own
/// subject, as a MasterSocket client is reachable by DIRECT) and then only answer heartbeats. The
/// figure is the server's memory per connection: (RSS after settling − RSS before the first
/// measured connection, sampled after warm-up connections have come and gone) ÷ N, the median of
/// three samples a second apart; the server's CPU while idle is measured over <c>--duration</c>.
/// Each server process and this tool need one descriptor per connection: when either's
/// RLIMIT_NOFILE is too low for N, the step is reported as skipped.
/// </summary>
public sealed class IdleScenario(LoadOptions options, int connections) : Scenario
{
    /// <summary>Descriptors a process needs besides its connections (listeners, logs, runtime, epoll).</summary>
    private const int DescriptorMargin = 200;

    /// <summary>
    /// Warm-up connections, one after another, before the baseline: more than the 30 calls after
    /// which .NET optimizes a method, so the connect path's code is compiled at its final tier before
    /// the baseline is sampled and not charged to the measured connections (a fixed ~2 MB, which
    /// showed as ~0.2 KiB per connection at 10,000; docs/load-tool.md). A Go server has nothing to
    /// compile; the same warm-up runs for both.
    /// </summary>
    private const int WarmUpConnections = 64;

    /// <summary>Time after the warm-up connections closed before the baseline is sampled: the server has cleaned them up.</summary>
    private static readonly TimeSpan WarmUpSettle = TimeSpan.FromSeconds(2);

    public override string Name => "idle";

    public override string Variant => $"{connections} connections";

    public override string Description =>
        $"{connections} identified connections, no traffic. MasterSocket: IDENTIFY (role client, no group); " +
        $"NATS: CONNECT{(options.NatsIdleSubscribe ? " + SUB i.<n> (the equivalent of being reachable by DIRECT)" : "")}. " +
        "RSS per connection = (RSS after settling - RSS before connecting) / connections.";

    /// <summary>Why this step cannot run in this process (its own descriptor limit), or null.</summary>
    private string? ToolCannotRun()
    {
        var own = ProcessStats.OwnOpenFileLimit();
        return own is { } limit && limit < connections + DescriptorMargin
            ? $"skipped: RLIMIT_NOFILE is {limit} (load tool process; {connections:N0} connections need about {connections + DescriptorMargin:N0})"
            : null;
    }

    /// <summary>Client <paramref name="index"/>; indexes from <c>connections</c> up are the warm-up clients, names no measured client has.</summary>
    private ClientSpec Spec(int index) => new()
    {
        Name = $"idle-{index}",
        Inbox = options.NatsIdleSubscribe ? $"i.{index}" : null,
    };

    public override async Task<RunResult> RunAsync(RunContext context)
    {
        // The server's limit first (it is what the figure is about), then this tool's own.
        var result = NewResult(context, connections);
        if (context.Server.Pid is { } pid && ProcessStats.OpenFileLimit(pid) is { } limit && limit < connections + DescriptorMargin)
        {
            return result with { Skipped = $"skipped: RLIMIT_NOFILE is {limit} ({context.Server.Kind.Label()} process; {connections:N0} connections need about {connections + DescriptorMargin:N0})" };
        }

        if (ToolCannotRun() is { } toolSkip)
        {
            return result with { Skipped = toolSkip };
        }

        await context.WaitAsync(TimeSpan.FromSeconds(1)); // let the server finish starting before the baseline

        // Connections first, each opened and closed the way the measured ones open, so that one-time
        // costs (MasterSocket: OpenSSL for SHA-1, code compiled and then optimized) are in the
        // baseline rather than divided among the measured connections. Same for both servers.
        for (var i = 0; i < WarmUpConnections; i++)
        {
            await context.WarmUpAsync(Spec(connections + i), 1024);
        }

        await context.WaitAsync(WarmUpSettle);
        var rssBefore = context.ServerRss();
        var clients = new BenchClient[connections];
        for (var i = 0; i < connections; i++)
        {
            clients[i] = context.CreateClient(i, Spec(i));
            clients[i].OnDelivery = (BenchClient client, in Delivery _) => context.Verification.Fail($"{client.Spec.Name}: an idle client received a message");
        }

        await context.ConnectAllAsync(clients, 1024, connections);
        await context.WaitAsync(options.IdleSettle);

        var meter = new WindowMeter(context.Server.Pid, () => 0, () => 0);
        var start = meter.Take();
        var samples = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            if (context.ServerRss() is { } rss)
            {
                samples.Add(rss);
            }

            await context.WaitAsync(TimeSpan.FromSeconds(1));
        }

        var rest = options.Duration - TimeSpan.FromSeconds(3);
        if (rest > TimeSpan.Zero)
        {
            await context.WaitAsync(rest);
        }

        var end = meter.Take();
        context.ThrowIfBroken();
        samples.Sort();
        double? perConnection = rssBefore is { } before && samples.Count > 0 ? (double)(samples[samples.Count / 2] - before) / connections : null;
        return meter.Complete(result, start, end) with
        {
            MessagesPerSecond = 0,
            DeliveriesPerSecond = 0,
            RssBytesPerConnection = perConnection,
        };
    }
}
