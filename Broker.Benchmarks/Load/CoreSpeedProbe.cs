using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// How fast the cores a run uses are while its window is open. On a virtual machine a core's speed
/// is not a constant, and nothing inside the guest says so: on the machine docs/benchmarks.md
/// measures on, the same loop pinned to cpu 1 took 3.1 ms for minutes, then 4.7–5.0 ms for a
/// minute or more (cpu 0 at 3.1 meanwhile), and the broker spent 1.15 µs per DIRECT message in
/// such a minute against 0.59 in the next. The kernel reports no steal time there, and a server's
/// utime + stime counts the slow core's time as its own, so a run on a slow core reads as a slow
/// server.
/// <para>So a thread of this tool times a fixed chain of dependent multiply-adds on each watched
/// cpu in turn, once a <see cref="Interval"/> while the window is open, by its own CPU clock
/// (CLOCK_THREAD_CPUTIME_ID: time spent waiting for the core while a server runs on it is not
/// counted; a slower core is). The loop touches no memory, so what the server does to the caches
/// does not change it. Each timing costs the cpu about a millisecond a second.
/// <see cref="CoreBaseline"/> turns the medians into a slowdown against the fastest seen.</para>
/// </summary>
public sealed partial class CoreSpeedProbe : IDisposable
{
    /// <summary>How often each watched cpu is timed while the window is open (the first at once).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private const int ClockThreadCpuTime = 3;
    private const int Iterations = 1_000_000;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>Where <see cref="Spin"/>'s result goes, so no compiler can drop the loop.</summary>
    private static ulong s_result;

    private readonly IReadOnlyList<int> _cpus;
    private readonly Func<bool> _recording;
    private readonly Func<bool> _windowOpened;
    private readonly Dictionary<int, List<double>> _samples = [];
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;

    /// <summary>
    /// Starts timing <paramref name="cpus"/> whenever <paramref name="recording"/> says the window is
    /// open; if it never saw it open but <paramref name="windowOpened"/> says there was one, it times
    /// them once when stopped.
    /// </summary>
    public CoreSpeedProbe(IReadOnlyList<int> cpus, Func<bool> recording, Func<bool> windowOpened)
    {
        _cpus = cpus;
        _recording = recording;
        _windowOpened = windowOpened;
        _thread = new Thread(Loop) { IsBackground = true, Name = "core speed probe" };
        _thread.Start();
    }

    /// <summary>Linux on 64 bits: the affinity call and the per-thread CPU clock it needs.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>
    /// The cpus a run's speed depends on: the servers' and this tool's when both are pinned, every
    /// cpu otherwise (an unpinned process may run on any of them).
    /// </summary>
    public static IReadOnlyList<int> WatchedCpus(LoadOptions options) =>
        options.BrokerCpus is { } servers && options.ToolCpus is { } tool
            ? [.. LoadOptions.ExpandCpuList(servers).Union(LoadOptions.ExpandCpuList(tool)).Order()]
            : [.. Enumerable.Range(0, Math.Min(Environment.ProcessorCount, 64))];

    /// <summary>The fastest of <paramref name="rounds"/> timings of each cpu, taken now on a thread of their own.</summary>
    public static IReadOnlyDictionary<int, double> Calibrate(IReadOnlyList<int> cpus, int rounds)
    {
        var fastest = new Dictionary<int, double>();
        var thread = new Thread(() =>
        {
            for (var round = 0; round < rounds; round++)
            {
                foreach (var cpu in cpus)
                {
                    if (TimeOn(cpu) is { } nanos)
                    {
                        fastest[cpu] = Math.Min(nanos, fastest.GetValueOrDefault(cpu, double.MaxValue));
                    }
                }
            }
        })
        { IsBackground = true, Name = "core speed calibration" };
        thread.Start();
        thread.Join();
        return fastest;
    }

    /// <summary>After <see cref="Dispose"/>: the median timing of each cpu in the window, in nanoseconds (empty if none was taken).</summary>
    public IReadOnlyDictionary<int, double> Medians()
    {
        lock (_samples)
        {
            return _samples.Where(s => s.Value.Count > 0).ToDictionary(s => s.Key, s => Report.MedianOf(s.Value)!.Value);
        }
    }

    /// <summary>Stops the probe and waits for its thread; again is a no-op.</summary>
    public void Dispose()
    {
        if (!_stop.IsSet)
        {
            _stop.Set();
            _thread.Join();
        }
    }

    private void Loop()
    {
        long? last = null;
        while (!_stop.IsSet)
        {
            if (_recording() && (last is null || Stopwatch.GetElapsedTime(last.Value) >= Interval))
            {
                last = Stopwatch.GetTimestamp();
                TimeEachCpu();
            }

            _stop.Wait(Poll);
        }

        if (last is null && _windowOpened())
        {
            // A window shorter than this thread's wait for a core (a short window on a busy
            // machine): time the cores now rather than report nothing.
            TimeEachCpu();
        }
    }

    private void TimeEachCpu()
    {
        foreach (var cpu in _cpus)
        {
            if (TimeOn(cpu) is { } nanos)
            {
                lock (_samples)
                {
                    (_samples.TryGetValue(cpu, out var list) ? list : _samples[cpu] = []).Add(nanos);
                }
            }
        }
    }

    /// <summary>Moves the calling thread to <paramref name="cpu"/> and times the loop there; null if the thread may not run there.</summary>
    private static double? TimeOn(int cpu)
    {
        var mask = 1UL << cpu;
        if (!IsSupported || SchedSetAffinity(0, sizeof(ulong), in mask) != 0)
        {
            return null;
        }

        ClockGetTime(ClockThreadCpuTime, out var before);
        s_result = Spin(Iterations);
        ClockGetTime(ClockThreadCpuTime, out var after);
        return after.TotalNanoseconds - before.TotalNanoseconds;
    }

    /// <summary>Dependent multiply-adds: the latency of the core's arithmetic, no memory touched. Optimised from the first call.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static ulong Spin(int iterations)
    {
        var x = 1UL;
        for (var i = 0; i < iterations; i++)
        {
            x = (x * 6364136223846793005UL) + 1442695040888963407UL;
        }

        return x;
    }

    /// <summary>pid 0: the calling thread.</summary>
    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int SchedSetAffinity(int pid, nuint size, in ulong mask);

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
