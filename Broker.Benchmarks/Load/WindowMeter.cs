using System.Diagnostics;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// Samples everything a measured window needs at its start and its end: wall clock, the server's
/// CPU time from /proc, this tool's CPU time, and the scenario's message and delivery counters.
/// </summary>
public sealed class WindowMeter(int? serverPid, Func<long> messages, Func<long> deliveries)
{
    private readonly int _toolCpus = ProcessStats.OwnCpuCount();
    private readonly Process _self = Process.GetCurrentProcess();

    public readonly record struct Sample(long Timestamp, TimeSpan? ServerCpu, TimeSpan ToolCpu, long Messages, long Deliveries);

    public Sample Take()
    {
        _self.Refresh();
        return new Sample(
            Stopwatch.GetTimestamp(),
            serverPid is { } pid ? ProcessStats.CpuTime(pid) : null,
            _self.TotalProcessorTime,
            messages(),
            deliveries());
    }

    /// <summary>A sample of nothing: the start of a sum of turns (<see cref="Add"/>).</summary>
    public static Sample Zero => new(0, TimeSpan.Zero, TimeSpan.Zero, 0, 0);

    /// <summary>
    /// <paramref name="total"/> plus what happened from <paramref name="start"/> to <paramref name="end"/>:
    /// with <see cref="Zero"/>, <see cref="Complete"/> turns several turns of an interleaved run into one window.
    /// </summary>
    public static Sample Add(Sample total, Sample start, Sample end) => new(
        total.Timestamp + (end.Timestamp - start.Timestamp),
        total.ServerCpu is { } t && start.ServerCpu is { } a && end.ServerCpu is { } b ? t + (b - a) : null,
        total.ToolCpu + (end.ToolCpu - start.ToolCpu),
        total.Messages + (end.Messages - start.Messages),
        total.Deliveries + (end.Deliveries - start.Deliveries));

    /// <summary>Fills the rate and CPU fields of <paramref name="result"/> from two samples.</summary>
    public RunResult Complete(RunResult result, Sample start, Sample end)
    {
        var wall = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        var messageCount = end.Messages - start.Messages;
        var deliveryCount = end.Deliveries - start.Deliveries;
        double? serverCpu = start.ServerCpu is { } a && end.ServerCpu is { } b ? (b - a).TotalSeconds : null;
        return result with
        {
            WindowSeconds = wall,
            Messages = messageCount,
            Deliveries = deliveryCount,
            MessagesPerSecond = messageCount / wall,
            DeliveriesPerSecond = deliveryCount / wall,
            CpuMicrosPerDelivery = serverCpu is { } c && deliveryCount > 0 ? c * 1e6 / deliveryCount : null,
            CpuMicrosPerMessage = serverCpu is { } d && messageCount > 0 ? d * 1e6 / messageCount : null,
            ServerCores = serverCpu / wall,
            ToolCpuShare = (end.ToolCpu - start.ToolCpu).TotalSeconds / (wall * _toolCpus),
        };
    }
}
