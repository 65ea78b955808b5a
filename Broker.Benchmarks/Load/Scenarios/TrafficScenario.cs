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
        finally
        {
            await StopAsync(stop, publishing);
        }
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
