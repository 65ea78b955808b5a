using MasterSocket.Broker.Transport;
using MasterSocket.Tests.Broker.Support;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// <see cref="ReadSends"/>: which send loops a read runs itself at its end and which it hands to the
/// scheduler (with stand-in loops), and, through a real broker, that bursts parsed from one read
/// reach every recipient complete and in order whichever way they leave.
/// </summary>
public sealed class ReadSendsTests
{
    private sealed class StandInLoop(int queuedMessages) : ISendLoop
    {
        public long Id => 1;

        public bool HasQueued(int messages) => queuedMessages >= messages;

        public List<string> Calls { get; } = [];

        public int? RanOnThread { get; private set; }

        public void RunSendLoop()
        {
            Calls.Add("run");
            RanOnThread = Environment.CurrentManagedThreadId;
        }

        public void ScheduleSendLoop() => Calls.Add("schedule");
    }

    [Test]
    public void Outside_a_read_nothing_is_deferred()
    {
        var loop = new StandInLoop(ReadSends.MinMessages);
        Assert.That(ReadSends.TryDefer(loop), Is.False, "the caller must schedule it itself");
        Assert.That(loop.Calls, Is.Empty);
    }

    [Test]
    public void A_recipient_with_a_full_send_queued_is_sent_to_by_the_reading_thread_when_the_read_ends()
    {
        var loop = new StandInLoop(ReadSends.MinMessages);
        ReadSends.Open();
        Assert.That(ReadSends.TryDefer(loop), Is.True);
        Assert.That(loop.Calls, Is.Empty, "nothing is sent before the read is parsed");

        ReadSends.Close();

        Assert.That(loop.Calls, Is.EqualTo(new[] { "run" }));
        Assert.That(loop.RanOnThread, Is.EqualTo(Environment.CurrentManagedThreadId));
    }

    [Test]
    public void A_recipient_with_fewer_messages_queued_is_left_to_the_scheduler_to_gather_more()
    {
        var few = new StandInLoop(ReadSends.MinMessages - 1);
        var many = new StandInLoop(ReadSends.MinMessages + 100);
        ReadSends.Open();
        ReadSends.TryDefer(few);
        ReadSends.TryDefer(many);
        ReadSends.Close();

        Assert.That(few.Calls, Is.EqualTo(new[] { "schedule" }));
        Assert.That(many.Calls, Is.EqualTo(new[] { "run" }));
    }

    [Test]
    public void A_wide_read_hands_every_recipient_to_the_scheduler_as_soon_as_it_is_wide()
    {
        var loops = Enumerable.Range(0, ReadSends.MaxRecipients + 3).Select(_ => new StandInLoop(ReadSends.MinMessages)).ToArray();
        ReadSends.Open();
        for (var i = 0; i < ReadSends.MaxRecipients; i++)
        {
            Assert.That(ReadSends.TryDefer(loops[i]), Is.True);
        }

        for (var i = ReadSends.MaxRecipients; i < loops.Length; i++)
        {
            Assert.That(ReadSends.TryDefer(loops[i]), Is.False, "past the bound the caller schedules it at once");
        }

        Assert.That(loops.Take(ReadSends.MaxRecipients).Select(l => l.Calls), Is.All.EqualTo(new[] { "schedule" }), "the first ones did not wait for the end of the read");

        ReadSends.Close();

        Assert.That(loops.Take(ReadSends.MaxRecipients).Select(l => l.Calls), Is.All.EqualTo(new[] { "schedule" }), "each exactly once");
        Assert.That(loops.Skip(ReadSends.MaxRecipients).Select(l => l.Calls), Is.All.Empty, "the caller scheduled these");
    }

    [Test]
    public void Each_read_starts_with_nothing_owed_and_ends_closed()
    {
        var first = new StandInLoop(ReadSends.MinMessages);
        var second = new StandInLoop(ReadSends.MinMessages);
        ReadSends.Open();
        ReadSends.TryDefer(first);
        ReadSends.Close();
        ReadSends.Open();
        ReadSends.TryDefer(second);
        ReadSends.Close();

        Assert.That(first.Calls, Is.EqualTo(new[] { "run" }));
        Assert.That(second.Calls, Is.EqualTo(new[] { "run" }));
        Assert.That(ReadSends.TryDefer(new StandInLoop(ReadSends.MinMessages)), Is.False, "closed after the read");
    }

    [Test]
    public async Task DIRECT_bursts_from_two_senders_at_once_arrive_complete_and_each_in_order()
    {
        await using var server = await BrokerServer.StartAsync();
        await using var receiver = await TestClient.IdentifiedAsync(server, "burst-receiver");
        using var a = await IdentifiedRawAsync(server, "burst-a");
        using var b = await IdentifiedRawAsync(server, "burst-b");

        // Each burst is one socket write of 400 frames (about 40 KB), so the broker parses dozens of
        // messages per read for the same recipient and sends them at the end of the read, while the
        // other sender's reads queue frames for the same recipient on another thread.
        const int count = 400;
        await Task.WhenAll(
            a.SendAsync(Burst(count, i => Direct($"a-{i}", receiver.ClientId))),
            b.SendAsync(Burst(count, i => Direct($"b-{i}", receiver.ClientId))));

        var fromA = new List<string>();
        var fromB = new List<string>();
        for (var i = 0; i < 2 * count; i++)
        {
            var id = (await receiver.ReceiveAsync()).GetProperty("id").GetString()!;
            (id.StartsWith("a-", StringComparison.Ordinal) ? fromA : fromB).Add(id);
        }

        Assert.That(fromA, Is.EqualTo(Enumerable.Range(0, count).Select(i => $"a-{i}")));
        Assert.That(fromB, Is.EqualTo(Enumerable.Range(0, count).Select(i => $"b-{i}")));
        await receiver.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task Frames_waiting_for_the_end_of_their_read_do_not_make_a_reading_client_a_slow_consumer()
    {
        // A 16 KiB bound, and one write of ~40 KB for one recipient: the broker parses it in reads of
        // up to 64 KiB and sends only at the end of each, so the recipient's queue passes the bound
        // without the recipient being slow. PROTOCOL.md: SLOW_CONSUMER is for a client that does not
        // read, and "no other client is slowed down or loses messages because of it".
        await using var server = await BrokerServer.StartAsync(new Dictionary<string, string?>
        {
            ["Broker:Limits:MaxMessageBytes"] = "16384",
            ["Broker:Limits:MaxPendingBytes"] = "16384",
        });
        await using var receiver = await TestClient.IdentifiedAsync(server, "steady-reader");
        using var sender = await IdentifiedRawAsync(server, "burster");

        const int count = 300;
        await sender.SendAsync(Burst(count, i => Direct($"s-{i}", receiver.ClientId)));

        for (var i = 0; i < count; i++)
        {
            var got = await receiver.ReceiveAsync();
            Assert.That(got.GetProperty("op").GetInt32(), Is.EqualTo(0), $"message {i} delivered, not a DISCONNECT: {got}");
            Assert.That(got.GetProperty("id").GetString(), Is.EqualTo($"s-{i}"));
        }
    }

    [Test]
    public async Task A_burst_to_a_group_wider_than_a_read_sends_itself_reaches_every_member_in_order()
    {
        await using var server = await BrokerServer.StartAsync();
        var members = await Task.WhenAll(Enumerable.Range(0, ReadSends.MaxRecipients + 8)
            .Select(i => TestClient.IdentifiedAsync(server, $"member-{i}", "client", "wide")));
        try
        {
            using var publisher = await IdentifiedRawAsync(server, "publisher", "service");
            const int count = 60;
            await publisher.SendAsync(Burst(count, i => $$$"""{"id":"w-{{{i}}}","op":0,"event":"TICK","intent":{"target":"GROUP","identifier":"wide"}}"""));

            foreach (var member in members)
            {
                for (var i = 0; i < count; i++)
                {
                    Assert.That((await member.ReceiveAsync()).GetProperty("id").GetString(), Is.EqualTo($"w-{i}"));
                }
            }
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    private static string Direct(string id, string target) =>
        $$$"""{"id":"{{{id}}}","op":0,"event":"MOVE","data":{"x":1,"pad":"{{{new string('p', 40)}}}"},"intent":{"target":"DIRECT","identifier":"{{{target}}}"}}""";

    /// <summary><paramref name="count"/> masked text frames back to back in one buffer.</summary>
    private static byte[] Burst(int count, Func<int, string> envelope) =>
        Enumerable.Range(0, count).SelectMany(i => ClientFrames.Text(envelope(i))).ToArray();

    private static Task<RawClient> IdentifiedRawAsync(BrokerServer server, string name, string role = "client") =>
        RawClient.IdentifiedAsync(server.EndPoint, name, role);
}
