using System.Net;
using System.Net.Sockets;
using System.Text;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Broker.Support;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// The allocation budget end to end (issue 4): a whole broker on real loopback sockets, a sender and
/// a receiver, and the process's allocated bytes counted over thousands of routed messages. The
/// in-memory budgets (<see cref="AllocationBudgetTests"/>) cover routing; this one also covers the
/// transport around it: receive loop, pipe rental, busy reads, send loops. The clients use blocking
/// sockets and buffers made up front, so they allocate nothing themselves.
/// </summary>
public sealed class SteadyTrafficAllocationTests
{
    private const int MessagesPerBurst = 32;
    private const int WarmUpBursts = 100;
    private const int BurstsPerWindow = 200;
    private const int Windows = 5;

    [Test]
    public async Task Bursts_of_direct_messages_each_followed_by_silence_allocate_nothing_per_message()
    {
        await using var server = await BrokerServer.StartAsync();
        using var receiver = BlockingClient("receiver", server.EndPoint.Port);
        using var sender = BlockingClient("sender", server.EndPoint.Port);
        var receiverId = server.Runtime.Registry.Everyone.Snapshot().Single(s => s.Name == "receiver").ClientId;

        // 32 messages of ~330 bytes in one write: more than a 4 KiB receive, so the broker reads on
        // as a busy connection and, once the burst is through, its next read finds nothing. That
        // read's buffer, given back each burst, is what once left 96 bytes of garbage per burst.
        var message = Encoding.UTF8.GetBytes(
            $$$"""{"id":"m","op":0,"event":"MOVE","data":{"x":1,"text":"{{{new string('a', 200)}}}"},"intent":{"target":"DIRECT","identifier":"{{{receiverId}}}"}}""");
        var burst = Enumerable.Range(0, MessagesPerBurst).SelectMany(_ => ClientFrames.Text(message)).ToArray();
        Assert.That(burst, Has.Length.GreaterThan(4096), "a burst is more than one ordinary receive");

        var traffic = new BurstTraffic(sender, receiver, burst, MessagesPerBurst);

        // On a thread of its own, with blocking calls: no task or state machine of the test's own.
        var allocated = new long[Windows];
        var thread = new Thread(() =>
        {
            try
            {
                traffic.Run(WarmUpBursts); // pools, queues and JIT tiers settle
                for (var w = 0; w < Windows; w++)
                {
                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    traffic.Run(BurstsPerWindow);
                    allocated[w] = GC.GetTotalAllocatedBytes(precise: true) - before;
                }
            }
            catch (SocketException ex)
            {
                traffic.Fail($"socket error {ex.SocketErrorCode} (a receive times out after 5 s)");
            }
        });
        thread.Start();
        Assert.That(thread.Join(TimeSpan.FromSeconds(30)), Is.True, "the bursts finished");
        Assert.That(traffic.Failure, Is.Null);

        // Everything in this process counts, the test runner's threads and the broker's timers too,
        // and now and then something allocates once (in some runs one 64 KiB array). A
        // cost per message or per burst shows in every window, a one-off in one: so the quietest
        // window must stay under a byte per message.
        const int Messages = MessagesPerBurst * BurstsPerWindow;
        Assert.That(allocated.Min(), Is.LessThan(Messages),
            $"bytes allocated in the process while the broker routed {Messages:N0} messages, in each of {Windows} windows: {string.Join(", ", allocated.Select(a => a.ToString("N0")))}");
    }

    /// <summary>
    /// A client socket only ever used with blocking calls: .NET then leaves it in blocking mode, and a
    /// receive that has to wait blocks in the kernel. (A socket that has seen an async call is
    /// non-blocking, and .NET emulates a blocking wait on it with allocations of its own.)
    /// </summary>
    private static Socket BlockingClient(string name, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 5_000 };
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        socket.Send(Encoding.ASCII.GetBytes(RawClient.UpgradeRequest()));
        var head = new byte[4096];
        var length = 0;
        while (head.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
        {
            length += socket.Receive(head, length, head.Length - length, SocketFlags.None);
        }

        Assert.That(Encoding.ASCII.GetString(head, 0, length), Does.StartWith("HTTP/1.1 101"));
        socket.Send(ClientFrames.Text($$$"""{"id":"i","op":1,"data":{"name":"{{{name}}}","role":"client"}}"""));
        var reply = new byte[4096];
        var received = socket.Receive(reply);
        Assert.That(Encoding.UTF8.GetString(reply, 0, received), Does.Contain("clientId"), "IDENTIFY answered");
        return socket;
    }

    /// <summary>Sends a burst, then reads until all its messages have arrived; repeats. Allocates nothing.</summary>
    private sealed class BurstTraffic(Socket sender, Socket receiver, byte[] burst, int messagesPerBurst)
    {
        private readonly byte[] _buffer = new byte[256 * 1024];
        private int _start;
        private int _end;

        public string? Failure { get; private set; }

        public void Fail(string why) => Failure ??= why;

        public void Run(int bursts)
        {
            for (var b = 0; b < bursts && Failure is null; b++)
            {
                sender.Send(burst);
                ReceiveMessages(messagesPerBurst);

                // Silence, so the broker's next read finds nothing instead of the next burst (it reads
                // on at once after a burst's deliveries have gone out, and they are here already).
                Thread.Sleep(1);
            }
        }

        private void ReceiveMessages(int expected)
        {
            var arrived = 0;
            while (arrived < expected)
            {
                var received = receiver.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
                if (received == 0)
                {
                    Fail("the broker closed the receiver");
                    return;
                }

                _end += received;
                while (FrameHeader.TryParse(_buffer.AsSpan(_start, _end - _start), out var header, out _) &&
                       _end - _start >= header.HeaderLength + (int)header.PayloadLength)
                {
                    var payload = _buffer.AsSpan(_start + header.HeaderLength, (int)header.PayloadLength);
                    if (header.Opcode != FrameOpcode.Text || payload.IndexOf("\"event\":\"MOVE\""u8) < 0)
                    {
                        Fail($"a {header.Opcode} frame that is not a delivery of the burst (an error reply?)");
                        return;
                    }

                    _start += header.HeaderLength + (int)header.PayloadLength;
                    arrived++;
                }

                // Keep a partial frame for the next read, at the front of the buffer.
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_start, _end) = (0, _end - _start);
            }
        }
    }
}
