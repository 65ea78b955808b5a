using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// The paced scenario's clock: calls a tick every millisecond, on a thread of its own that sleeps
/// until the next millisecond's deadline, and records the gaps between ticks while the measured
/// window is open.
/// <para>Not .NET's timers: <c>PeriodicTimer</c> and <c>Task.Delay</c> run on
/// <see cref="Environment.TickCount64"/>, which Linux reads from the coarse monotonic clock, so on a
/// kernel built with HZ=250 (Debian's) a 1 ms timer fires every 4 ms (measured: p50 4.36 ms). The
/// pacer then sent 4 ms of traffic at once, and a "paced" latency included the queue of each
/// 4-ms burst. Nor a sleep of 1 ms after each tick: the tick's own sending (hundreds of messages)
/// comes on top of it. The thread sleeps to an absolute deadline on the clock
/// <see cref="Stopwatch"/> reads (<c>clock_nanosleep</c> on CLOCK_MONOTONIC), and a tick that is
/// late anyway sends what has come due, which the scenario bounds; one that missed whole
/// milliseconds is not followed by a tick for each of them.</para>
/// </summary>
/// <param name="recording">Whether the measured window is open (gaps are recorded only then).</param>
public sealed partial class Pacer(Func<bool> recording)
{
    private const int ClockMonotonic = 1;
    private const int AbsoluteTime = 1;
    private const int Eintr = 4;

    private static readonly long Period = Stopwatch.Frequency / 1000;

    /// <summary>Stopwatch counts nanoseconds of CLOCK_MONOTONIC on Linux: its deadlines can go to clock_nanosleep as they are.</summary>
    private static readonly bool MonotonicNanoseconds = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

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
        var deadline = last;
        while (!stop.IsCancellationRequested)
        {
            tick();
            deadline += Period;
            var now = Stopwatch.GetTimestamp();
            if (now - deadline >= Period)
            {
                // More than a whole millisecond late (the tick ran long, or the thread waited for a
                // core): tick once at once, then go on from the schedule's next millisecond, rather
                // than tick back to back for every one missed. Each tick sends what has come due by
                // the clock, so those would only be near-empty ticks (they once put the median gap
                // of a busy machine at 0.27 ms). Less late than that, the next tick comes at once
                // and the schedule holds, so a tick that overran a little does not turn 1 ms into 2.
                deadline += (now - deadline) / Period * Period;
            }

            SleepUntil(deadline);
            now = Stopwatch.GetTimestamp();
            if (recording())
            {
                Gaps.RecordTicks(last, now);
            }

            last = now;
        }
    }

    private static void SleepUntil(long deadline)
    {
        if (MonotonicNanoseconds)
        {
            var at = new TimeSpec { Seconds = deadline / 1_000_000_000, Nanoseconds = deadline % 1_000_000_000 };
            while (ClockNanosleep(ClockMonotonic, AbsoluteTime, in at, IntPtr.Zero) == Eintr)
            {
                // a signal woke the thread early: sleep on to the same deadline
            }

            return;
        }

        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        if (remaining > TimeSpan.Zero)
        {
            Thread.Sleep(remaining);
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, in TimeSpec request, IntPtr remaining);
}
