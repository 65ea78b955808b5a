using System.Diagnostics;

namespace MasterSocket.Benchmarks.Load.Scenarios;

/// <summary>
/// The shape every traffic scenario shares: set up and connect the clients, settle, publish through
/// a warm-up, open the measured window (CPU, counters, latency recording), close it after
/// <c>--duration</c> (or <c>--messages</c>), stop publishing, wait for everything in flight, then
/// check that every receiver got exactly what was sent to it.
/// </summary>
public abstract class TrafficScenario : Scenario
{
    /// <summary>After the last client is accepted, before the first message: let registrations land.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    protected abstract int Connections { get; }

    /// <summary>The connections one run opens (the tool holds one descriptor per connection).</summary>
    public int ConnectionCount => Connections;

    /// <summary>
    /// Whether every message of the scenario is sent through <see cref="RunContext.Gate"/>, so it can
    /// take turns with another server (<see cref="RunInterleavedAsync"/>).
    /// </summary>
    public virtual bool TakesTurns => true;

    protected virtual string RateUnit => "msgs/s";

    /// <summary>Creates and connects every client.</summary>
    protected abstract Task SetUpAsync(RunContext context);

    /// <summary>Publishes until <paramref name="stop"/> is cancelled; returns when it has stopped sending.</summary>
    protected abstract Task PublishAsync(RunContext context, CancellationToken stop);

    /// <summary>Messages (or completed requests) so far: the rate's numerator.</summary>
    protected abstract long MessageCount();

    /// <summary>Application messages received by all clients so far.</summary>
    protected abstract long DeliveryCount();

    /// <summary>True once everything sent has arrived everywhere it should.</summary>
    protected abstract bool IsDrained();

    /// <summary>After draining: reports every receiver whose count differs from what was sent to it.</summary>
    protected abstract void VerifyComplete(RunContext context);

    /// <summary>Adds what only this scenario measures to its finished result (nothing by default).</summary>
    protected virtual RunResult WithScenarioFigures(RunResult result) => result;

    public override async Task<RunResult> RunAsync(RunContext context)
    {
        var options = context.Options;
        var rssBefore = context.ServerRss();
        await SetUpAsync(context);
        await context.WaitAsync(Settle);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.Token);
        var publishing = Task.Run(() => PublishAsync(context, stop.Token), CancellationToken.None);
        try
        {
            var meter = new WindowMeter(context.Server.Pid, MessageCount, DeliveryCount);
            var warmup = await WarmUpAsync(context, meter, publishing);
            var start = meter.Take();
            context.Recording = true;
            var limit = options.Messages > 0 ? options.Duration * 10 : options.Duration;
            await context.WaitAsync(limit, () => publishing.IsCompleted || (options.Messages > 0 && MessageCount() - start.Messages >= options.Messages));
            var end = meter.Take();
            context.Recording = false;
            var rssAfter = context.ServerRss();

            await StopAsync(stop, publishing);
            await DrainAsync(context);
            VerifyComplete(context);
            context.ThrowIfBroken();

            return Result(context, meter, start, end, rssBefore, rssAfter, warmup);
        }
        finally
        {
            await StopAsync(stop, publishing);
        }
    }

    /// <summary>
    /// <c>--interleave</c>: the same scenario on both servers at once, their publishers taking turns of
    /// <paramref name="turn"/> (only one server has traffic at a time), so that whatever the machine
    /// does to its cores over minutes falls on both alike. Each turn ends with the gate closed and the
    /// turn's messages drained, so its CPU, counts and latencies are its server's alone; a server's
    /// window is the sum of its turns. Warm-up as in a run of its own, counted in the server's own
    /// turns; then turns until each server has had <c>--duration</c> of them.
    /// </summary>
    public static async Task<IReadOnlyList<RunResult>> RunInterleavedAsync(IReadOnlyList<(TrafficScenario Scenario, RunContext Context)> pairs, TimeSpan turn)
    {
        var sides = pairs.Select(p => new Side(p.Scenario, p.Context)).ToList();
        var options = sides[0].Context.Options;
        foreach (var side in sides)
        {
            side.RssBefore = side.Context.ServerRss();
            await side.Scenario.SetUpAsync(side.Context);
        }

        await sides[0].Context.WaitAsync(Settle);
        foreach (var side in sides)
        {
            side.Start();
        }

        try
        {
            while (sides.Any(s => !s.WarmedUp(options)))
            {
                foreach (var side in sides)
                {
                    var (start, end) = await side.TakeTurnAsync(turn, recording: false);
                    side.WarmupBlock(start, end);
                }
            }

            while (sides.Any(s => s.WindowTime < options.Duration))
            {
                foreach (var side in sides)
                {
                    var (start, end) = await side.TakeTurnAsync(turn, recording: true);
                    side.Window = WindowMeter.Add(side.Window, start, end);
                }
            }

            foreach (var side in sides)
            {
                side.RssAfter = side.Context.ServerRss();
            }
        }
        finally
        {
            foreach (var side in sides)
            {
                await StopAsync(side.Stop, side.Publishing); // a publisher waiting at its closed gate sees the stop
            }
        }

        var results = new List<RunResult>();
        foreach (var side in sides)
        {
            var (scenario, context) = (side.Scenario, side.Context);
            if (scenario.MessageCount() != side.TurnMessages)
            {
                // Traffic outside a server's turns would load the machine while the other is measured.
                context.Verification.Fail($"{scenario.Name}: {scenario.MessageCount() - side.TurnMessages} messages were sent outside {context.Server.Kind.Label()}'s turns");
            }

            await scenario.DrainAsync(context);
            scenario.VerifyComplete(context);
            context.ThrowIfBroken();
            results.Add(scenario.Result(context, side.Meter, WindowMeter.Zero, side.Window, side.RssBefore, side.RssAfter, side.Warmup));
        }

        return results;
    }

    private RunResult Result(RunContext context, WindowMeter meter, WindowMeter.Sample start, WindowMeter.Sample end, long? rssBefore, long? rssAfter, TimeSpan warmup)
    {
        var histogram = context.Histogram;
        return WithScenarioFigures(meter.Complete(NewResult(context, Connections, RateUnit), start, end) with
        {
            P50Micros = histogram.Count > 0 ? histogram.PercentileNanos(50) / 1000.0 : null,
            P90Micros = histogram.Count > 0 ? histogram.PercentileNanos(90) / 1000.0 : null,
            P99Micros = histogram.Count > 0 ? histogram.PercentileNanos(99) / 1000.0 : null,
            P999Micros = histogram.Count > 0 ? histogram.PercentileNanos(99.9) / 1000.0 : null,
            RssBytesPerConnection = rssBefore is { } a && rssAfter is { } b ? (double)(b - a) / Connections : null,
            WarmupSeconds = warmup.TotalSeconds,
        });
    }

    /// <summary>One server's part of an interleaved run: its publishers, meter, warm-up blocks and the sum of its window's turns.</summary>
    private sealed class Side(TrafficScenario scenario, RunContext context)
    {
        private readonly List<RunResult> _blocks = [];

        public TrafficScenario Scenario { get; } = scenario;

        public RunContext Context { get; } = context;

        public WindowMeter Meter { get; } = new(context.Server.Pid, scenario.MessageCount, scenario.DeliveryCount);

        public CancellationTokenSource Stop { get; } = CancellationTokenSource.CreateLinkedTokenSource(context.Token);

        public Task Publishing { get; private set; } = Task.CompletedTask;

        public long? RssBefore { get; set; }

        public long? RssAfter { get; set; }

        public TimeSpan Warmup { get; private set; }

        public WindowMeter.Sample Window { get; set; } = WindowMeter.Zero;

        public TimeSpan WindowTime => Stopwatch.GetElapsedTime(0, Window.Timestamp);

        public void Start()
        {
            Context.Gate.Close();
            Publishing = Task.Run(() => Scenario.PublishAsync(Context, Stop.Token), CancellationToken.None);
        }

        /// <summary>Opens this side's gate for <paramref name="turn"/>, closes it, drains what it sent; the samples around all of it.</summary>
        public async Task<(WindowMeter.Sample Start, WindowMeter.Sample End)> TakeTurnAsync(TimeSpan turn, bool recording)
        {
            var start = Meter.Take();
            Context.Recording = recording;
            Context.Gate.Open();
            await Context.WaitAsync(turn, () => Publishing.IsCompleted);
            Context.Gate.Close();
            await Scenario.DrainAsync(Context);
            Context.Recording = false;
            var end = Meter.Take();
            TurnMessages += end.Messages - start.Messages;
            return (start, end);
        }

        /// <summary>Messages sent in this side's turns, warm-up and window: all it sent, if the gate held.</summary>
        public long TurnMessages { get; private set; }

        public void WarmupBlock(WindowMeter.Sample start, WindowMeter.Sample end)
        {
            Warmup += Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp);
            _blocks.Add(Meter.Complete(Scenario.NewResult(Context, Scenario.Connections), start, end));
        }

        /// <summary>At least --warmup of its own turns, then until three turns agree, at most --warmup-max.</summary>
        public bool WarmedUp(LoadOptions options) =>
            Warmup >= options.Warmup && (Warmup >= options.WarmupMax || (_blocks.Count >= 3 && Settled(_blocks[^3], _blocks[^2], _blocks[^1])));
    }

    /// <summary>
    /// At least --warmup; then 2-second blocks until the server's CPU per message (or, without a pid,
    /// the rate) settles, at most --warmup-max. A JIT-compiled server saturated on one core can need
    /// tens of seconds to move its hot methods from tier 0 and instrumented code to optimised code;
    /// measuring before that would charge it for the compiler's warm-up, not for its steady state.
    /// </summary>
    private async Task<TimeSpan> WarmUpAsync(RunContext context, WindowMeter meter, Task publishing)
    {
        var options = context.Options;
        var watch = Stopwatch.StartNew();
        await context.WaitAsync(options.Warmup, () => publishing.IsCompleted);
        var blocks = new List<RunResult>();
        var start = meter.Take();
        while (watch.Elapsed + TimeSpan.FromSeconds(2) <= options.WarmupMax && !publishing.IsCompleted)
        {
            await context.WaitAsync(TimeSpan.FromSeconds(2), () => publishing.IsCompleted);
            var end = meter.Take();
            var block = meter.Complete(NewResult(context, Connections), start, end);
            start = end;
            if (options.Verbose)
            {
                Console.WriteLine($"    warm-up {watch.Elapsed.TotalSeconds,5:0.0} s: {Report.Rate(block.MessagesPerSecond)} {RateUnit}, server CPU {Report.Number(block.CpuMicrosPerMessage)} µs/msg, tool CPU {block.ToolCpuShare * 100:0} %");
            }

            blocks.Add(block);
            if (blocks.Count >= 3 && Settled(blocks[^3], blocks[^2], block))
            {
                break;
            }
        }

        return watch.Elapsed;
    }

    /// <summary>Three blocks in a row agree: CPU per message within 5 % (rate within 10 %), or without a pid the rate within 5 %.</summary>
    private static bool Settled(RunResult first, RunResult second, RunResult now)
    {
        static bool Within(double? a, double? b, double tolerance) => a is { } x && b is { } y && x > 0 && Math.Abs(y - x) / x <= tolerance;

        if (now.CpuMicrosPerMessage is null)
        {
            return Within(first.MessagesPerSecond, now.MessagesPerSecond, 0.05) && Within(second.MessagesPerSecond, now.MessagesPerSecond, 0.05);
        }

        return Within(first.CpuMicrosPerMessage, now.CpuMicrosPerMessage, 0.05) && Within(second.CpuMicrosPerMessage, now.CpuMicrosPerMessage, 0.05) &&
               Within(second.MessagesPerSecond, now.MessagesPerSecond, 0.10);
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task publishing)
    {
        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync();
        }

        try
        {
            await publishing;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DrainAsync(RunContext context)
    {
        var watch = Stopwatch.StartNew();
        while (!IsDrained())
        {
            context.ThrowIfBroken();
            if (watch.Elapsed > context.Options.DrainTimeout)
            {
                VerifyComplete(context); // names what is missing
                throw new LoadRunFailedException($"{Name} on {context.Server.Kind.Label()}: messages still missing {context.Options.DrainTimeout.TotalSeconds:0} s after publishing stopped");
            }

            await Task.Delay(10, context.Token);
        }
    }
}
