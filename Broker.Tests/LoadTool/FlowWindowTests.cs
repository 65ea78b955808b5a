using MasterSocket.Benchmarks.Load;

namespace MasterSocket.Tests.LoadTool;

/// <summary>
/// The publisher's window: never more than its size ahead of the slowest receiver, woken once the
/// backlog falls to half, and a drain that ends in a timeout instead of waiting forever.
/// </summary>
public class FlowWindowTests
{
    [Test]
    public async Task A_full_window_holds_the_publisher_until_the_backlog_falls_to_half()
    {
        var window = new FlowWindow(10);
        Assert.That(window.WaitForRoomAsync(CancellationToken.None).IsCompleted, Is.True, "room at the start");

        window.Sent(10);
        Assert.That(window.Room, Is.Zero);
        var wait = window.WaitForRoomAsync(CancellationToken.None);

        window.Acknowledge(4); // 6 outstanding: above the low-water mark of 5
        await Task.Delay(20);
        Assert.That(wait.IsCompleted, Is.False, "woken once per half window, not per message");
        Assert.That(window.Room, Is.EqualTo(4));

        window.Acknowledge(5);
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(window.Room, Is.EqualTo(5));
    }

    [Test]
    public void An_older_acknowledgement_does_not_take_room_back()
    {
        var window = new FlowWindow(10);
        window.Sent(8);
        window.Acknowledge(6);

        window.Acknowledge(3);

        Assert.That(window.AcknowledgedCount, Is.EqualTo(6));
        Assert.That(window.Room, Is.EqualTo(8));
    }

    [Test]
    public void A_cancelled_run_ends_the_publishers_wait()
    {
        var window = new FlowWindow(2);
        window.Sent(2);
        using var cancel = new CancellationTokenSource();
        var wait = window.WaitForRoomAsync(cancel.Token);

        cancel.Cancel();

        Assert.That(async () => await wait, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task A_drain_completes_when_everything_sent_is_acknowledged_and_times_out_otherwise()
    {
        var window = new FlowWindow(100);
        window.Sent(3);

        Assert.That(async () => await window.WaitForDrainAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None), Throws.InstanceOf<TimeoutException>());

        var drain = window.WaitForDrainAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        window.Acknowledge(3);
        await drain;
        Assert.That(drain.IsCompletedSuccessfully, Is.True);
    }
}
