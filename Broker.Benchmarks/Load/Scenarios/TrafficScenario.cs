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
            await context.WaitAsync(options.Warmup, () => publishing.IsCompleted);
            var meter = new WindowMeter(context.Server.Pid, MessageCount, DeliveryCount);
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
            return meter.Complete(NewResult(context, Connections, RateUnit), start, end) with
            {
                P50Micros = histogram.Count > 0 ? histogram.PercentileNanos(50) / 1000.0 : null,
                P90Micros = histogram.Count > 0 ? histogram.PercentileNanos(90) / 1000.0 : null,
                P99Micros = histogram.Count > 0 ? histogram.PercentileNanos(99) / 1000.0 : null,
                P999Micros = histogram.Count > 0 ? histogram.PercentileNanos(99.9) / 1000.0 : null,
                RssBytesPerConnection = rssBefore is { } a && rssAfter is { } b ? (double)(b - a) / Connections : null,
            };
        }
        finally
        {
            await StopAsync(stop, publishing);
        }
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
