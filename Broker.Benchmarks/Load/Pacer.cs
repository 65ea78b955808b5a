using System.Diagnostics;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// The paced scenario's clock: calls a tick about every millisecond, on a thread of its own that
/// sleeps between ticks, and records the gaps between ticks while the measured window is open.
/// <para>Not .NET's timers: <c>PeriodicTimer</c> and <c>Task.Delay</c> run on
/// <see cref="Environment.TickCount64"/>, which Linux reads from the coarse monotonic clock, so on a
/// kernel built with HZ=250 (Debian's) a 1 ms timer fires every 4 ms (measured: p50 4.36 ms). The
/// pacer then sent 4 ms of traffic at once, and a "paced" latency included the queue of each
/// 4-ms burst. <see cref="Thread.Sleep(int)"/> sleeps with <c>nanosleep</c>: 1.1 ms here.</para>
/// </summary>
/// <param name="recording">Whether the measured window is open (gaps are recorded only then).</param>
public sealed class Pacer(Func<bool> recording)
{
    /// <summary>Gaps between consecutive ticks in the measured window.</summary>
    public LatencyHistogram Gaps { get; } = new();

    /// <summary>Runs <paramref name="tick"/> until <paramref name="stop"/>; the task ends with the thread (faulted if a tick threw).</summary>
    public Task RunAsync(Action tick, CancellationToken stop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Loop(tick, stop);
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "pacer",
        };
        thread.Start();
        return done.Task;
    }

    private void Loop(Action tick, CancellationToken stop)
    {
        var last = Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            tick();
            Thread.Sleep(1);
            var now = Stopwatch.GetTimestamp();
            if (recording())
            {
                Gaps.RecordTicks(last, now);
            }

            last = now;
        }
    }
}
