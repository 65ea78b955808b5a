using MasterSocket.Benchmarks.Load;

namespace MasterSocket.Tests.LoadTool;

/// <summary>
/// The pauses of the tool's waits (warm-up, window): what is left, at most 50 ms, and nothing once
/// the time is up, however late the clock is read. A "left" of -1 ms reaching Task.Delay meant
/// wait forever: a run on the loaded 2-core machine hung until its guard ended it.
/// </summary>
public class WaitPauseTests
{
    [Test]
    public void A_long_wait_pauses_in_steps_of_the_check_interval()
    {
        Assert.That(RunContext.NextPause(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)), Is.EqualTo(RunContext.Pause));
    }

    [Test]
    public void The_last_step_is_what_is_left()
    {
        Assert.That(RunContext.NextPause(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(990)), Is.EqualTo(TimeSpan.FromMilliseconds(10)));
    }

    [TestCase(0.0)]
    [TestCase(0.3)]
    [TestCase(1.0)]
    [TestCase(1.5)]
    [TestCase(2.0)]
    [TestCase(250.0)]
    public void Once_the_time_is_up_there_is_no_pause_however_late_the_clock_was_read(double lateMilliseconds)
    {
        var duration = TimeSpan.FromSeconds(2);

        Assert.That(RunContext.NextPause(duration, duration + TimeSpan.FromMilliseconds(lateMilliseconds)), Is.Null);
    }
}
