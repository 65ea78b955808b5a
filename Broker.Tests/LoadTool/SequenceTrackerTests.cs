using MasterSocket.Benchmarks.Load;

namespace MasterSocket.Tests.LoadTool;

/// <summary>
/// The load tool's ledger: every receiver checks that each sender's messages arrive exactly once and
/// in order, and the first problem ends the run with a message naming what went wrong.
/// </summary>
public class SequenceTrackerTests
{
    private Verification _verification = null!;

    [SetUp]
    public void SetUp() => _verification = new Verification("direct", ServerKind.MasterSocket);

    [Test]
    public void Each_senders_messages_in_order_are_accepted_and_counted()
    {
        var tracker = new SequenceTracker(senders: 2);

        for (var sequence = 0; sequence < 5; sequence++)
        {
            Assert.That(tracker.Accept(0, sequence, _verification, "receiver-0"), Is.True);
        }

        Assert.That(tracker.Accept(1, 0, _verification, "receiver-0"), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(tracker.Next(0), Is.EqualTo(5));
            Assert.That(tracker.Next(1), Is.EqualTo(1));
            Assert.That(_verification.HasFailed, Is.False);
            Assert.That(_verification.Aborted.IsCancellationRequested, Is.False);
        });
        Assert.DoesNotThrow(_verification.ThrowIfFailed);
    }

    [Test]
    public void A_message_that_arrives_twice_fails_the_run()
    {
        var tracker = new SequenceTracker(senders: 1);
        tracker.Accept(0, 0, _verification, "receiver-3");
        tracker.Accept(0, 1, _verification, "receiver-3");

        Assert.That(tracker.Accept(0, 1, _verification, "receiver-3"), Is.False);

        var failure = Assert.Throws<LoadRunFailedException>(_verification.ThrowIfFailed)!;
        Assert.That(failure.Message, Does.Contain("receiver-3: seq 1 from sender 0 arrived again or out of order (expected 2)"));
    }

    [Test]
    public void A_gap_fails_the_run_naming_the_messages_that_never_arrived()
    {
        var tracker = new SequenceTracker(senders: 1);
        tracker.Accept(0, 0, _verification, "receiver-1");

        Assert.That(tracker.Accept(0, 4, _verification, "receiver-1"), Is.False);

        var failure = Assert.Throws<LoadRunFailedException>(_verification.ThrowIfFailed)!;
        Assert.That(failure.Message, Does.Contain("receiver-1: seq 1..3 from sender 0 never arrived (got 4 next)"));
        Assert.That(tracker.Next(0), Is.EqualTo(1), "a rejected message is not counted as delivered");
    }

    [Test]
    public void A_message_from_a_sender_this_receiver_does_not_hear_from_is_misrouted()
    {
        var tracker = new SequenceTracker(senders: 1);

        Assert.That(tracker.Accept(7, 0, _verification, "receiver-0"), Is.False);

        var failure = Assert.Throws<LoadRunFailedException>(_verification.ThrowIfFailed)!;
        Assert.That(failure.Message, Does.Contain("receiver-0: misrouted message from sender 7 (expects senders 0..0), seq 0"));
    }

    [Test]
    public void The_first_problem_cancels_the_run_and_the_failure_names_scenario_server_and_count()
    {
        var tracker = new SequenceTracker(senders: 1);

        tracker.Accept(0, 3, _verification, "receiver-0");

        Assert.That(_verification.Aborted.IsCancellationRequested, Is.True, "waits end at the first problem");
        tracker.Accept(0, 9, _verification, "receiver-0");
        var failure = Assert.Throws<LoadRunFailedException>(_verification.ThrowIfFailed)!;
        Assert.That(failure.Message, Does.StartWith("direct on MasterSocket: 2 problem(s):"));
    }

    [Test]
    public void Problems_past_twenty_are_counted_not_listed()
    {
        for (var i = 0; i < 25; i++)
        {
            _verification.Fail($"problem {i}");
        }

        var failure = Assert.Throws<LoadRunFailedException>(_verification.ThrowIfFailed)!;
        Assert.Multiple(() =>
        {
            Assert.That(failure.Message, Does.StartWith("direct on MasterSocket: 25 problem(s):"));
            Assert.That(failure.Message, Does.Contain("problem 19"));
            Assert.That(failure.Message, Does.Not.Contain("problem 20"));
            Assert.That(failure.Message, Does.EndWith("... and 5 more"));
        });
    }

    [Test]
    public void A_queue_group_member_accepts_any_later_message_but_not_an_earlier_one()
    {
        // A NATS queue-group member sees only some of a sender's messages: later ones, never earlier.
        var tracker = new SequenceTracker(senders: 1);
        long lastSeen = -1;

        Assert.That(tracker.AcceptIncreasing(0, 2, _verification, "service-0", ref lastSeen), Is.True);
        Assert.That(tracker.AcceptIncreasing(0, 5, _verification, "service-0", ref lastSeen), Is.True);
        Assert.That(tracker.Next(0), Is.EqualTo(2), "counts arrivals");
        Assert.That(_verification.HasFailed, Is.False);

        Assert.That(tracker.AcceptIncreasing(0, 4, _verification, "service-0", ref lastSeen), Is.False);
        var failure = Assert.Throws<LoadRunFailedException>(_verification.ThrowIfFailed)!;
        Assert.That(failure.Message, Does.Contain("service-0: seq 4 from sender 0 arrived after seq 5"));
    }
}
