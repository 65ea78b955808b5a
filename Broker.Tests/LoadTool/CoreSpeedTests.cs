using MasterSocket.Benchmarks.Load;

namespace MasterSocket.Tests.LoadTool;

/// <summary>
/// The core speed probe times a fixed loop on a given cpu by the thread's own CPU clock, only while
/// a window is open; the baseline turns timings into a slowdown against the fastest seen.
/// </summary>
public class CoreSpeedTests
{
    [Test]
    public void The_first_timings_are_the_baseline_and_a_later_slower_one_reads_as_its_ratio()
    {
        var baseline = new CoreBaseline();

        Assert.That(baseline.Slowdown(new Dictionary<int, double> { [0] = 3_000_000, [1] = 3_100_000 }), Is.EqualTo(1.0));
        Assert.That(baseline.Slowdown(new Dictionary<int, double> { [0] = 3_000_000, [1] = 4_650_000 }), Is.EqualTo(1.5).Within(1e-9),
            "the slowest cpu against its own best");
        Assert.That(baseline.Slowdown(new Dictionary<int, double> { [1] = 2_000_000 }), Is.EqualTo(1.0), "a faster timing becomes the best");
        Assert.That(baseline.Slowdown(new Dictionary<int, double> { [1] = 3_100_000 }), Is.EqualTo(1.55).Within(1e-9));
        Assert.That(baseline.Slowdown(new Dictionary<int, double>()), Is.Null, "no timing, no figure");
    }

    [Test]
    public void Calibration_times_each_cpu_this_machine_has_and_leaves_out_one_it_has_not()
    {
        Assert.That(CoreSpeedProbe.IsSupported, Is.True, "the load tool and its CI run on 64-bit Linux");

        var missing = Environment.ProcessorCount < 64 ? 63 : -1;
        var timings = CoreSpeedProbe.Calibrate([0, missing], rounds: 2);

        Assert.That(timings.Keys, Is.EquivalentTo(new[] { 0 }));
        Assert.That(timings[0], Is.InRange(10_000, 1_000_000_000), "a million multiply-adds take between 10 µs and 1 s");
    }

    [Test]
    public void The_probe_times_only_while_the_window_is_open()
    {
        Assert.That(CoreSpeedProbe.IsSupported, Is.True, "the load tool and its CI run on 64-bit Linux");

        var recording = false;
        var probe = new CoreSpeedProbe([0], () => Volatile.Read(ref recording), () => true);
        Thread.Sleep(200);
        Volatile.Write(ref recording, true);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (probe.Medians().Count == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        probe.Dispose();
        probe.Dispose(); // a second Dispose is harmless, as the load tool's finally relies on

        var medians = probe.Medians();
        Assert.That(medians.Keys, Is.EquivalentTo(new[] { 0 }));
        Assert.That(medians[0], Is.GreaterThan(0));

        var closed = new CoreSpeedProbe([0], () => false, () => false);
        Thread.Sleep(200);
        closed.Dispose();
        Assert.That(closed.Medians(), Is.Empty, "nothing is timed while the window is closed");
    }

    [Test]
    public void A_window_the_probe_never_saw_open_is_timed_when_it_stops()
    {
        Assert.That(CoreSpeedProbe.IsSupported, Is.True, "the load tool and its CI run on 64-bit Linux");

        // As when a short window opens and closes while the probe's thread waits for a core.
        var probe = new CoreSpeedProbe([0], () => false, () => true);
        probe.Dispose();

        Assert.That(probe.Medians().Keys, Is.EquivalentTo(new[] { 0 }));
    }
}
