using System.Text;
using System.Text.Json;
using MasterSocket.Benchmarks.Micro;
using MasterSocket.Broker.Routing;
using MasterSocket.Broker.Sessions;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// <see cref="BroadcastBatch"/>: the broadcasts one read routes reach each recipient in one call at
/// the read's end, and never out of order with the sender's other messages to that recipient
/// (PROTOCOL.md 4). Driven through real sessions and the real router, without sockets; the same
/// over a socket is in <see cref="RoutingTests"/>.
/// </summary>
public sealed class BroadcastBatchTests
{
    private InMemoryBroker _broker = null!;
    private Session _sender = null!;

    [SetUp]
    public void SetUp()
    {
        _broker = new InMemoryBroker();
        _sender = _broker.Identify("publisher", "service").Session;
    }

    [TearDown]
    public void TearDown() => BroadcastBatch.Close(); // a failed test must not leave a read open on this thread

    [Test]
    public void The_broadcasts_of_one_read_reach_each_member_in_one_call_at_its_end()
    {
        var members = Enumerable.Range(0, 3).Select(i => _broker.Identify($"m{i}", "client", "room").Connection).ToList();
        var callsBefore = members.Select(m => m.SendCalls).ToList();

        BroadcastBatch.Open();
        for (var i = 0; i < 5; i++)
        {
            Send(Group(i, "room"));
        }

        Assert.That(members.Select(m => m.Queued), Is.All.EqualTo(0), "queued before the read ended");
        BroadcastBatch.Close();

        for (var m = 0; m < members.Count; m++)
        {
            Assert.That(members[m].SendCalls - callsBefore[m], Is.EqualTo(1));
            Assert.That(Ids(members[m]), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        }
    }

    [Test]
    public void A_DIRECT_between_broadcasts_arrives_between_them()
    {
        var (member, connection) = _broker.Identify("m", "client", "room");

        BroadcastBatch.Open();
        Send(Group(0, "room"));
        Send(Group(1, "room"));
        Send(Direct(2, member.ClientId));
        Send(Group(3, "room"));
        BroadcastBatch.Close();

        Assert.That(Ids(connection), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public void Broadcasts_to_other_recipients_deliver_the_held_ones_first()
    {
        var both = _broker.Identify("both", "client", "a", "b").Connection;
        var onlyA = _broker.Identify("only-a", "client", "a").Connection;
        var senderConnection = (InMemoryConnection)_sender.Connection;

        BroadcastBatch.Open();
        Send(Group(0, "a"));
        Send(Group(1, "b"));
        Send(Group(2, "a"));
        Send(Group(3, "a"));
        Send(Global(4));
        BroadcastBatch.Close();

        Assert.That(Ids(both), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(Ids(onlyA), Is.EqualTo(new[] { 0, 2, 3, 4 }));
        Assert.That(senderConnection.Queued, Is.Zero, "the sender is never its own recipient");
    }

    [Test]
    public void A_read_with_more_broadcasts_than_a_batch_holds_delivers_them_all_in_order()
    {
        var member = _broker.Identify("m", "client", "room").Connection;
        var callsBefore = member.SendCalls;
        var count = (BroadcastBatch.MaxBytes / 1000 * 2) + 5; // ~1 KB each: more than two batches' worth

        BroadcastBatch.Open();
        for (var i = 0; i < count; i++)
        {
            Send(Group(i, "room", padding: 900));
        }

        BroadcastBatch.Close();

        Assert.That(member.SendCalls - callsBefore, Is.InRange(3, 4));
        Assert.That(member.QueuedFrames().Select(f => f.Length), Is.All.LessThanOrEqualTo(BroadcastBatch.MaxBytes));
        Assert.That(Ids(member), Is.EqualTo(Enumerable.Range(0, count)));
    }

    [Test]
    public void A_message_too_large_to_copy_goes_as_it_is_after_the_held_ones_and_before_the_next()
    {
        var member = _broker.Identify("m", "client", "room").Connection;
        var callsBefore = member.SendCalls;

        BroadcastBatch.Open();
        Send(Group(0, "room"));
        Send(Group(1, "room"));
        Send(Group(2, "room", padding: BroadcastBatch.MaxBytes + 1));
        Send(Group(3, "room"));
        BroadcastBatch.Close();

        Assert.That(member.SendCalls - callsBefore, Is.EqualTo(3));
        Assert.That(member.QueuedFrames().Select(f => f.Messages), Is.EqualTo(new[] { 2, 1, 1 }));
        Assert.That(Ids(member), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public void The_frame_of_a_read_holds_exactly_the_frames_each_message_would_have_had()
    {
        var member = _broker.Identify("m", "client", "room").Connection;
        string[] messages = [Group(0, "room"), Group(1, "room", padding: 300), Global(2), Group(3, "room")];

        foreach (var message in messages)
        {
            Send(message); // outside a read: a frame each
        }

        var oneByOne = member.QueuedFrames().SelectMany(f => f.Span.ToArray()).ToArray();
        member.Drain();

        BroadcastBatch.Open();
        foreach (var message in messages)
        {
            Send(message); // the GLOBAL goes to other recipients than the groups: three frames
        }

        BroadcastBatch.Close();

        var batched = member.QueuedFrames();
        Assert.That(batched.Select(f => f.Messages), Is.EqualTo(new[] { 2, 1, 1 }));
        Assert.That(batched.SelectMany(f => f.Span.ToArray()).ToArray(), Is.EqualTo(oneByOne));
        member.Drain();
    }

    [Test]
    public void Outside_a_read_each_broadcast_is_queued_at_once()
    {
        var member = _broker.Identify("m", "client", "room").Connection;
        for (var i = 0; i < 3; i++)
        {
            Send(Group(i, "room"));
            Assert.That(member.Queued, Is.EqualTo(i + 1));
        }

        Assert.That(Ids(member), Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public void The_batch_keeps_no_reference_once_the_read_has_ended()
    {
        var member = _broker.Identify("m", "client", "room").Connection;

        BroadcastBatch.Open();
        Send(Group(0, "room"));
        Send(Group(1, "room"));
        BroadcastBatch.Close();

        // The member's queue holds the only reference left: the frame goes back to the pool when it is sent.
        Assert.That(member.QueuedFrames().Select(f => f.IsShared), Is.All.False);
        member.Drain();
    }

    [Test]
    public void A_member_that_left_during_the_read_gets_nothing_and_the_others_everything()
    {
        var (leaver, leaverConnection) = _broker.Identify("leaver", "client", "room");
        var stayer = _broker.Identify("stayer", "client", "room").Connection;

        BroadcastBatch.Open();
        Send(Group(0, "room"));
        leaver.OnEnded(); // its connection ended: it leaves the registry and the group
        Send(Group(1, "room"));
        BroadcastBatch.Close();

        Assert.That(Ids(stayer), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(Ids(leaverConnection), Is.EqualTo(new[] { 0 }), "held for it while it was a member; nothing routed after it left");
    }

    private void Send(string json)
    {
        var pending = _sender.OnMessage(Encoding.UTF8.GetBytes(json));
        Assert.That(pending, Is.Null);
    }

    private static string Group(int id, string group, int padding = 0) =>
        $$$"""{"id":{{{id}}},"op":0,"event":"E","data":"{{{new string('p', padding)}}}","intent":{"target":"GROUP","identifier":"{{{group}}}"}}""";

    private static string Direct(int id, string clientId) =>
        $$$"""{"id":{{{id}}},"op":0,"event":"E","intent":{"target":"DIRECT","identifier":"{{{clientId}}}"}}""";

    private static string Global(int id) => $$$"""{"id":{{{id}}},"op":0,"event":"E","intent":{"target":"GLOBAL"}}""";

    private static List<int> Ids(InMemoryConnection connection)
    {
        var ids = new List<int>();
        connection.Drain(text => ids.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt32()));
        return ids;
    }
}
