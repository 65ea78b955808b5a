using System.Text;
using System.Text.Json;
using MasterSocket.Benchmarks.Micro;
using MasterSocket.Broker.Routing;
using MasterSocket.Broker.Sessions;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// <see cref="ReadBatch"/>: the messages one read routes to the same recipients (a group's members,
/// or one client by DIRECT) reach each recipient in one call at the read's end, and never out of
/// order with the sender's other messages to that recipient
/// (PROTOCOL.md 4). Driven through real sessions and the real router, without sockets; the same
/// over a socket is in <see cref="RoutingTests"/>.
/// </summary>
public sealed class ReadBatchTests
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
    public void TearDown() => ReadBatch.Close(); // a failed test must not leave a read open on this thread

    [Test]
    public void The_broadcasts_of_one_read_reach_each_member_in_one_call_at_its_end()
    {
        var members = Enumerable.Range(0, 3).Select(i => _broker.Identify($"m{i}", "client", "room").Connection).ToList();
        var callsBefore = members.Select(m => m.SendCalls).ToList();

        ReadBatch.Open();
        for (var i = 0; i < 5; i++)
        {
            Send(Group(i, "room"));
        }

        Assert.That(members.Select(m => m.Queued), Is.All.EqualTo(0), "queued before the read ended");
        ReadBatch.Close();

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

        ReadBatch.Open();
        Send(Group(0, "room"));
        Send(Group(1, "room"));
        Send(Direct(2, member.ClientId));
        Send(Group(3, "room"));
        ReadBatch.Close();

        Assert.That(Ids(connection), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public void Broadcasts_to_other_recipients_deliver_the_held_ones_first()
    {
        var both = _broker.Identify("both", "client", "a", "b").Connection;
        var onlyA = _broker.Identify("only-a", "client", "a").Connection;
        var senderConnection = (InMemoryConnection)_sender.Connection;

        ReadBatch.Open();
        Send(Group(0, "a"));
        Send(Group(1, "b"));
        Send(Group(2, "a"));
        Send(Group(3, "a"));
        Send(Global(4));
        ReadBatch.Close();

        Assert.That(Ids(both), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(Ids(onlyA), Is.EqualTo(new[] { 0, 2, 3, 4 }));
        Assert.That(senderConnection.Queued, Is.Zero, "the sender is never its own recipient");
    }

    [Test]
    public void A_read_with_more_broadcasts_than_a_batch_holds_delivers_them_all_in_order()
    {
        var member = _broker.Identify("m", "client", "room").Connection;
        var callsBefore = member.SendCalls;
        var count = (ReadBatch.MaxBytes / 1000 * 2) + 5; // ~1 KB each: more than two batches' worth

        ReadBatch.Open();
        for (var i = 0; i < count; i++)
        {
            Send(Group(i, "room", padding: 900));
        }

        ReadBatch.Close();

        Assert.That(member.SendCalls - callsBefore, Is.InRange(3, 4));
        Assert.That(member.QueuedFrames().Select(f => f.Length), Is.All.LessThanOrEqualTo(ReadBatch.MaxBytes));
        Assert.That(Ids(member), Is.EqualTo(Enumerable.Range(0, count)));
    }

    [Test]
    public void A_message_too_large_to_copy_goes_as_it_is_after_the_held_ones_and_before_the_next()
    {
        var member = _broker.Identify("m", "client", "room").Connection;
        var callsBefore = member.SendCalls;

        ReadBatch.Open();
        Send(Group(0, "room"));
        Send(Group(1, "room"));
        Send(Group(2, "room", padding: ReadBatch.MaxBytes + 1));
        Send(Group(3, "room"));
        ReadBatch.Close();

        Assert.That(member.SendCalls - callsBefore, Is.EqualTo(3));
        Assert.That(member.QueuedFrames().Select(f => f.Messages), Is.EqualTo(new[] { 2, 1, 1 }));
        Assert.That(Ids(member), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public void The_frame_of_a_read_holds_exactly_the_frames_each_message_would_have_had()
    {
        var (self, member) = _broker.Identify("m", "client", "room");
        string[] messages =
        [
            Group(0, "room"), Group(1, "room", padding: 300), Global(2), Group(3, "room"),
            Direct(4, self.ClientId), Direct(5, self.ClientId, padding: 200), Direct(6, self.ClientId), Group(7, "room"),
        ];

        foreach (var message in messages)
        {
            Send(message); // outside a read: a frame each
        }

        var oneByOne = member.QueuedFrames().SelectMany(f => f.Span.ToArray()).ToArray();
        member.Drain();

        ReadBatch.Open();
        foreach (var message in messages)
        {
            Send(message); // the GLOBAL goes to other recipients than the groups, the DIRECTs to one: five frames
        }

        ReadBatch.Close();

        var batched = member.QueuedFrames();
        Assert.That(batched.Select(f => f.Messages), Is.EqualTo(new[] { 2, 1, 1, 3, 1 }));
        Assert.That(batched.SelectMany(f => f.Span.ToArray()).ToArray(), Is.EqualTo(oneByOne));
        member.Drain();
    }

    [Test]
    public void The_DIRECTs_of_one_read_to_one_recipient_reach_it_in_one_frame_at_its_end()
    {
        var (target, connection) = _broker.Identify("target", "client");
        var callsBefore = connection.SendCalls;

        ReadBatch.Open();
        for (var i = 0; i < 6; i++)
        {
            Send(Direct(i, target.ClientId));
        }

        Assert.That(connection.Queued, Is.Zero, "queued before the read ended");
        ReadBatch.Close();

        Assert.That(connection.SendCalls - callsBefore, Is.EqualTo(1));
        Assert.That(connection.QueuedFrames().Select(f => f.Messages), Is.EqualTo(new[] { 6 }));
        Assert.That(Ids(connection), Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5 }));
    }

    [Test]
    public void DIRECTs_that_alternate_between_recipients_and_a_group_arrive_in_order_for_each()
    {
        var (a, connectionA) = _broker.Identify("a", "client", "room");
        var (b, connectionB) = _broker.Identify("b", "client");

        ReadBatch.Open();
        Send(Direct(0, a.ClientId));
        Send(Direct(1, a.ClientId));
        Send(Direct(2, b.ClientId));
        Send(Direct(3, a.ClientId));
        Send(Group(4, "room"));
        Send(Direct(5, a.ClientId));
        Send(Direct(6, b.ClientId));
        Send(Direct(7, b.ClientId));
        ReadBatch.Close();

        Assert.That(connectionA.QueuedFrames().Select(f => f.Messages), Is.EqualTo(new[] { 2, 1, 1, 1 }));
        Assert.That(Ids(connectionA), Is.EqualTo(new[] { 0, 1, 3, 4, 5 }));
        Assert.That(connectionB.QueuedFrames().Select(f => f.Messages), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(Ids(connectionB), Is.EqualTo(new[] { 2, 6, 7 }));
    }

    [Test]
    public void A_read_with_more_DIRECTs_than_a_batch_holds_delivers_them_all_in_order()
    {
        var (target, connection) = _broker.Identify("target", "client");
        var count = (ReadBatch.MaxBytes / 1000 * 2) + 5; // ~1 KB each: more than two batches' worth

        ReadBatch.Open();
        for (var i = 0; i < count; i++)
        {
            Send(Direct(i, target.ClientId, padding: 900));
        }

        Send(Direct(count, target.ClientId, padding: ReadBatch.MaxBytes + 1)); // too large to hold: goes as it is
        Send(Direct(count + 1, target.ClientId));
        ReadBatch.Close();

        var frames = connection.QueuedFrames();
        var oversized = frames.Where(f => f.Length > ReadBatch.MaxBytes).ToList();
        Assert.That(oversized.Select(f => f.Messages), Is.EqualTo(new[] { 1 }), "only the message too large to hold is larger than a batch");
        Assert.That(frames.Sum(f => f.Messages), Is.EqualTo(count + 2));
        Assert.That(frames.Length, Is.InRange(5, 6));
        Assert.That(Ids(connection), Is.EqualTo(Enumerable.Range(0, count + 2)));
    }

    [Test]
    public void A_DIRECT_to_a_client_that_left_during_the_read_is_NOT_FOUND_and_what_was_held_for_it_stays_held()
    {
        var (leaver, leaverConnection) = _broker.Identify("leaver", "client");
        var senderConnection = (InMemoryConnection)_sender.Connection;

        ReadBatch.Open();
        Send(Direct(0, leaver.ClientId));
        Send(Direct(1, leaver.ClientId));
        leaver.OnEnded(); // its connection ended: it leaves the registry
        _sender.OnMessage(Encoding.UTF8.GetBytes(Direct(2, leaver.ClientId)));
        ReadBatch.Close();

        Assert.That(Ids(leaverConnection), Is.EqualTo(new[] { 0, 1 }), "routed while it was there, dropped by its closed connection");
        var replies = new List<string>();
        senderConnection.Drain(replies.Add);
        Assert.That(replies, Has.Count.EqualTo(1));
        Assert.That(replies[0], Does.Contain("NOT_FOUND").And.Contain("\"id\":2"));
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

        ReadBatch.Open();
        Send(Group(0, "room"));
        Send(Group(1, "room"));
        ReadBatch.Close();

        // The member's queue holds the only reference left: the frame goes back to the pool when it is sent.
        Assert.That(member.QueuedFrames().Select(f => f.IsShared), Is.All.False);
        member.Drain();
    }

    [Test]
    public void A_member_that_left_during_the_read_gets_nothing_and_the_others_everything()
    {
        var (leaver, leaverConnection) = _broker.Identify("leaver", "client", "room");
        var stayer = _broker.Identify("stayer", "client", "room").Connection;

        ReadBatch.Open();
        Send(Group(0, "room"));
        leaver.OnEnded(); // its connection ended: it leaves the registry and the group
        Send(Group(1, "room"));
        ReadBatch.Close();

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

    private static string Direct(int id, string clientId, int padding = 0) =>
        $$$"""{"id":{{{id}}},"op":0,"event":"E","data":"{{{new string('d', padding)}}}","intent":{"target":"DIRECT","identifier":"{{{clientId}}}"}}""";

    private static string Global(int id) => $$$"""{"id":{{{id}}},"op":0,"event":"E","intent":{"target":"GLOBAL"}}""";

    private static List<int> Ids(InMemoryConnection connection)
    {
        var ids = new List<int>();
        connection.Drain(text => ids.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt32()));
        return ids;
    }
}
