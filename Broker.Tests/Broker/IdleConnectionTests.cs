using System.Text;
using MasterSocket.Broker.Transport;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Broker.Support;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// An idle connection holds no receive pipe: it is rented when bytes arrive and given back once they
/// are parsed, kept only while a frame is incomplete. Over real sockets, with the server's side of
/// the connection inspected directly.
/// </summary>
public sealed class IdleConnectionTests
{
    private BrokerServer _server = null!;

    [SetUp]
    public async Task Start() => _server = await BrokerServer.StartAsync();

    [TearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Identified_idle_connection_holds_no_receive_pipe()
    {
        using var raw = await IdentifiedAsync();

        Assert.That(await HoldsPipeEventuallyAsync(false), Is.False);
    }

    [Test]
    public async Task Identified_idle_connection_holds_no_send_queue()
    {
        // The 101 response and the IDENTIFY reply each waited alone: the one-frame slot took them.
        using var raw = await IdentifiedAsync();
        await raw.SendTextAsync("""{"id":"p","op":3}""");
        Assert.That((await raw.ReadMessageAsync()).GetProperty("op").GetInt32(), Is.EqualTo(4));

        Assert.That(_server.Runtime.Connections.All.Single().HoldsSendQueue, Is.False);
    }

    [Test]
    public async Task Connection_that_went_idle_and_sends_again_still_works()
    {
        using var raw = await IdentifiedAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.That(await HoldsPipeEventuallyAsync(false), Is.False, $"idle before message {i}");
            await raw.SendTextAsync($$"""{"id":"p{{i}}","op":3}""");
            var pong = await raw.ReadMessageAsync();
            Assert.That(pong.GetProperty("op").GetInt32(), Is.EqualTo(4));
            Assert.That(pong.GetProperty("id").GetString(), Is.EqualTo($"p{i}"));
        }
    }

    [Test]
    public async Task Busy_burst_larger_than_a_receive_then_silence_then_one_more_message_are_all_answered()
    {
        using var raw = await IdentifiedAsync();

        // 3,000 PINGs in one write: more than one busy receive, so the loop reads on without
        // waiting; the burst ends part-way through a read.
        var burst = Enumerable.Range(0, 3000).SelectMany(i => ClientFrames.Text($$"""{"id":"b{{i}}","op":3}""")).ToArray();
        Assert.That(burst, Has.Length.GreaterThan(Connection.BusyReceive));
        await raw.SendAsync(burst);
        for (var i = 0; i < 3000; i++)
        {
            Assert.That((await raw.ReadMessageAsync()).GetProperty("id").GetString(), Is.EqualTo($"b{i}"));
        }

        // Silent after a busy read: it waits for its next bytes holding no pipe and no 64 KiB buffer.
        Assert.That(await HoldsPipeEventuallyAsync(false), Is.False, "a busy connection that fell silent gives its pipe back");

        await Task.Delay(200);
        await raw.SendAsync(ClientFrames.Text("""{"id":"after","op":3}"""));
        Assert.That((await raw.ReadMessageAsync()).GetProperty("id").GetString(), Is.EqualTo("after"));
        Assert.That(await HoldsPipeEventuallyAsync(false), Is.False, "quiet again: the pipe is given back");
    }

    [TestCase(1, TestName = "Split after the first header byte")]
    [TestCase(2, TestName = "Split after the length byte")]
    [TestCase(4, TestName = "Split inside the mask key")]
    [TestCase(6, TestName = "Split between header and payload")]
    [TestCase(10, TestName = "Split inside the payload")]
    [TestCase(-1, TestName = "Split before the last byte")]
    public async Task Frame_split_across_two_reads_keeps_the_pipe_until_its_rest_arrives(int splitAt)
    {
        using var raw = await IdentifiedAsync();
        Assert.That(await HoldsPipeEventuallyAsync(false), Is.False, "the IDENTIFY was fully parsed");
        var frame = ClientFrames.Text("""{"id":"split","op":3}""");
        var cut = splitAt > 0 ? splitAt : frame.Length + splitAt;

        await raw.SendAsync(frame.AsMemory(0, cut));
        Assert.That(await HoldsPipeEventuallyAsync(true), Is.True, "a partial frame keeps the pipe");
        await raw.SendAsync(frame.AsMemory(cut));

        var pong = await raw.ReadMessageAsync();
        Assert.That(pong.GetProperty("id").GetString(), Is.EqualTo("split"));
        Assert.That(await HoldsPipeEventuallyAsync(false), Is.False, "the pipe is given back once the frame is parsed");
    }

    [Test]
    public async Task Fragmented_message_keeps_pipe_and_frame_reader_between_its_frames_then_gives_them_back()
    {
        using var raw = await IdentifiedAsync();
        Assert.That(await HoldsPipeEventuallyAsync(false), Is.False, "the IDENTIFY was fully parsed");
        var json = Encoding.UTF8.GetBytes("""{"id":"frag","op":3}""");

        // The first fragment is a whole frame: nothing is left in the pipe, but the message is open.
        await raw.SendAsync(ClientFrames.Frame(FrameOpcode.Text, json.AsSpan(0, 9), fin: false));
        await Task.Delay(100);
        Assert.That(await HoldsPipeEventuallyAsync(true), Is.True, "an open fragmented message keeps its reader");
        await raw.SendAsync(ClientFrames.Frame(FrameOpcode.Continuation, json.AsSpan(9, 5), fin: false));
        await Task.Delay(50);
        await raw.SendAsync(ClientFrames.Frame(FrameOpcode.Continuation, json.AsSpan(14), fin: true));

        Assert.That((await raw.ReadMessageAsync()).GetProperty("id").GetString(), Is.EqualTo("frag"));
        Assert.That(await HoldsPipeEventuallyAsync(false), Is.False, "the message is complete: both are given back");

        // A reader given back mid-message would have lost the first fragment: the next one starts clean.
        await raw.SendAsync(ClientFrames.Text("""{"id":"next","op":3}"""));
        Assert.That((await raw.ReadMessageAsync()).GetProperty("id").GetString(), Is.EqualTo("next"));
    }

    [Test]
    public async Task Two_messages_in_one_read_then_one_split_over_the_next_two_reads_are_all_answered()
    {
        using var raw = await IdentifiedAsync();
        var first = ClientFrames.Text("""{"id":"a","op":3}""");
        var second = ClientFrames.Text("""{"id":"b","op":3}""");
        var third = ClientFrames.Text("""{"id":"c","op":3}""");

        await raw.SendAsync(first.Concat(second).Concat(third.Take(5)).ToArray());
        Assert.That((await raw.ReadMessageAsync()).GetProperty("id").GetString(), Is.EqualTo("a"));
        Assert.That((await raw.ReadMessageAsync()).GetProperty("id").GetString(), Is.EqualTo("b"));
        Assert.That(await HoldsPipeEventuallyAsync(true), Is.True);
        await raw.SendAsync(third.AsMemory(5));

        Assert.That((await raw.ReadMessageAsync()).GetProperty("id").GetString(), Is.EqualTo("c"));
        Assert.That(await HoldsPipeEventuallyAsync(false), Is.False);
    }

    private Task<RawClient> IdentifiedAsync() => RawClient.IdentifiedAsync(_server.EndPoint, "idle");

    /// <summary>Polls the server's only connection until it does (or does not) hold a pipe; returns the last value seen.</summary>
    private async Task<bool> HoldsPipeEventuallyAsync(bool expected)
    {
        var connection = _server.Runtime.Connections.All.Single();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (connection.HoldsInputPipe != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return connection.HoldsInputPipe;
    }
}
