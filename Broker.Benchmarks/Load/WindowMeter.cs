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
