using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MasterSocket.Broker.Transport;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// The gathered send under the broker's send loop (<see cref="SocketSender"/>, <see cref="NativeSocket"/>):
/// many frames per call, pinned pooled buffers and large borrowed ones, and the hand-over to .NET's
/// send when the kernel takes only part, over a real loopback TCP connection with small buffers.
/// </summary>
public sealed class GatheredSendTests
{
    [Test]
    public void The_native_calls_are_in_use_on_64_bit_Linux()
    {
        // If the probe ever failed here, the broker would quietly fall back to .NET's calls and
        // every figure in docs/benchmarks.md would be about a path no longer taken.
        Assert.That(NativeSocket.IsSupported, Is.EqualTo(OperatingSystem.IsLinux() && Environment.Is64BitProcess));
        Assert.That(SocketSender.UseNativeSend, Is.EqualTo(NativeSocket.IsSupported));
    }

    [Test]
    public async Task Every_byte_arrives_in_order_when_the_kernel_takes_only_part_at_first()
    {
        var (sending, receiving) = await ConnectedPairAsync();
        using var _ = sending;
        using var __ = receiving;

        // Small frames live in pinned pooled buffers, the 3 KB ones in borrowed arrays; 300 KB in
        // all, far more than the small socket buffers hold, so the first sendmsg is partial.
        var frames = Enumerable.Range(0, SocketSender.MaxFrames).Select(i => Frame(i, i % 5 == 0 ? 3000 : 200 + i)).ToList();
        var expected = frames.SelectMany(f => f.Span.ToArray()).ToArray();
        var sender = SocketSender.Rent();
        foreach (var frame in frames)
        {
            sender.Add(frame); // the sender takes our reference, the only one, as a DIRECT message's (so small frames are staged)
        }

        var send = sender.SendAsync(sending).AsTask();
        Assert.That(send.IsCompleted, Is.False, "the socket's buffers cannot take 300 KB at once");

        var received = await ReadExactlyAsync(receiving, expected.Length);
        await send.WaitAsync(TimeSpan.FromSeconds(5));
        sender.Return(); // releases the frames

        Assert.That(received, Is.EqualTo(expected));
    }

    [Test]
    public async Task The_native_send_reports_what_the_kernel_took_and_zero_when_full()
    {
        if (!NativeSocket.IsSupported)
        {
            Assert.Ignore("the native send is for 64-bit Linux; elsewhere .NET's send is used");
        }

        var (sending, receiving) = await ConnectedPairAsync();
        using var _ = sending;
        using var __ = receiving;
        var frames = Enumerable.Range(0, 64).Select(i => Frame(i, 4000)).ToList();

        var first = NativeSocket.SendGathered(sending.SafeHandle, CollectionsMarshal.AsSpan(frames));
        Assert.That(first, Is.GreaterThan(0).And.LessThan(64 * 4000), "a partial send into small buffers");

        long more;
        var full = 0L;
        while ((more = NativeSocket.SendGathered(sending.SafeHandle, CollectionsMarshal.AsSpan(frames))) > 0)
        {
            full += more;
        }

        Assert.That(more, Is.Zero, "a full socket takes nothing and does not block");
        var received = await ReadExactlyAsync(receiving, (int)(first + full));
        Assert.That(received.AsSpan(0, (int)Math.Min(first, 4000)).ToArray(), Is.EqualTo(frames[0].Span[..(int)Math.Min(first, 4000)].ToArray()));
        foreach (var frame in frames)
        {
            frame.Release();
        }
    }

    [Test]
    public async Task A_peer_that_reset_the_connection_fails_the_send_with_a_socket_error()
    {
        var (sending, receiving) = await ConnectedPairAsync();
        using var _ = sending;
        receiving.LingerState = new LingerOption(true, 0);
        receiving.Dispose(); // RST
        await Task.Delay(50);

        var frames = Enumerable.Range(0, 8).Select(i => Frame(i, 500)).ToList();
        var sender = SocketSender.Rent();
        foreach (var frame in frames)
        {
            frame.AddReference();
            sender.Add(frame);
        }

        Assert.That(async () =>
        {
            // The first send after a reset may still be accepted by the kernel; the next one fails.
            for (var i = 0; i < 10; i++)
            {
                await sender.SendAsync(sending);
                await Task.Delay(20);
            }
        }, Throws.InstanceOf<SocketException>());
        sender.Return();
        foreach (var frame in frames)
        {
            frame.Release();
        }
    }

    [Test]
    public async Task A_gathered_send_of_a_hundred_frames_allocates_nothing()
    {
        if (!NativeSocket.IsSupported)
        {
            Assert.Ignore("the native send is for 64-bit Linux; .NET's send allocates past 8 buffers");
        }

        var (sending, receiving) = await ConnectedPairAsync(smallBuffers: false);
        using var _ = sending;
        using var __ = receiving;
        var frames = Enumerable.Range(0, 100).Select(i => Frame(i, 230)).ToList();
        const int Sends = 200;
        var total = (long)Sends * 100 * 230;
        var drained = Task.Run(() => ReadExactlyAsync(receiving, (int)total, slow: false));
        var sender = SocketSender.Rent();
        long before = 0;
        var resumed = false;
        for (var i = 0; i < Sends; i++)
        {
            if (i == 20)
            {
                before = GC.GetAllocatedBytesForCurrentThread(); // after the warm-up sends
            }

            foreach (var frame in frames)
            {
                frame.AddReference();
                sender.Add(frame);
            }

            var send = sender.SendAsync(sending);
            if (!send.IsCompletedSuccessfully)
            {
                // The reader fell behind: .NET's send waits (and may allocate), and this method may go
                // on on another thread, whose counter is its own: re-measure there.
                await send;
                before = GC.GetAllocatedBytesForCurrentThread();
                resumed = true;
            }
            else if (resumed)
            {
                // The first send on a thread rents that thread's staging buffer (NativeSocket stages
                // small frames in a per-thread pinned buffer, once per thread): a warm-up, not a send's cost.
                before = GC.GetAllocatedBytesForCurrentThread();
                resumed = false;
            }

            sender.ReleaseFrames();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        sender.Return();
        Assert.That((await drained).Length, Is.EqualTo(total));
        Assert.That(allocated, Is.Zero, "bytes allocated by 180 gathered sends of 100 frames");
        foreach (var frame in frames)
        {
            frame.Release();
        }
    }

    [Test]
    public void Small_frames_of_one_send_go_to_the_kernel_as_one_vector_and_large_or_shared_ones_as_their_own()
    {
        if (!NativeSocket.IsSupported)
        {
            Assert.Ignore("the native send is for 64-bit Linux; .NET's send gathers every buffer");
        }

        var small = Enumerable.Range(0, 100).Select(i => Frame(i, 230)).ToList();
        var mixed = new List<OutboundFrame> { Frame(0, 200), Frame(1, 300), Frame(2, 3000), Frame(3, 200), Frame(4, 200) };
        var single = new List<OutboundFrame> { Frame(0, 230) };

        // A frame that other queues still hold (a broadcast) is read from cache by each of their
        // sends: it goes as it is, between the staged runs.
        var shared = Frame(2, 230);
        shared.AddReference();
        var broadcast = new List<OutboundFrame> { Frame(0, 230), Frame(1, 230), shared, Frame(3, 230) };

        // More small bytes than the staging buffer holds: what fits is staged, the rest goes as is.
        var frameSize = NativeSocket.StageLimit;
        var overflow = Enumerable.Range(0, SocketSender.MaxFrames).Select(i => Frame(i, frameSize)).ToList();
        var staged = NativeSocket.StagingBytes / frameSize;

        Assert.Multiple(() =>
        {
            Assert.That(NativeSocket.CountVectors(CollectionsMarshal.AsSpan(small)), Is.EqualTo(1));
            Assert.That(NativeSocket.CountVectors(CollectionsMarshal.AsSpan(mixed)), Is.EqualTo(3), "staged, the 3 KB frame, staged");
            Assert.That(NativeSocket.CountVectors(CollectionsMarshal.AsSpan(single)), Is.EqualTo(1));
            Assert.That(NativeSocket.CountVectors(CollectionsMarshal.AsSpan(broadcast)), Is.EqualTo(3), "staged, the shared frame, staged");
            Assert.That(NativeSocket.CountVectors(CollectionsMarshal.AsSpan(overflow)), Is.EqualTo(1 + SocketSender.MaxFrames - staged));
        });

        foreach (var frame in small.Concat(mixed).Concat(single).Concat(broadcast).Concat(overflow))
        {
            frame.Release();
        }

        shared.Release();
    }

    [Test]
    public async Task Sends_one_after_another_on_one_thread_each_carry_their_own_bytes()
    {
        // The staging buffer is the thread's and is reused by every send: a later send must not
        // carry an earlier one's bytes, whatever their sizes.
        var (sending, receiving) = await ConnectedPairAsync(smallBuffers: false);
        using var _ = sending;
        using var __ = receiving;
        var sends = Enumerable.Range(0, 20)
            .Select(s => Enumerable.Range(0, 1 + (s * 7 % 40)).Select(i => Frame(s * 100 + i, 20 + ((s * 37 + i * 11) % 900))).ToList())
            .ToList();
        var expected = sends.SelectMany(frames => frames).SelectMany(f => f.Span.ToArray()).ToArray();
        var drained = Task.Run(() => ReadExactlyAsync(receiving, expected.Length, slow: false));

        var sender = SocketSender.Rent();
        foreach (var frames in sends)
        {
            foreach (var frame in frames)
            {
                sender.Add(frame); // our only reference: the frame is the send's alone, so it is staged
            }

            await sender.SendAsync(sending);
            sender.ReleaseFrames();
        }

        sender.Return();
        Assert.That(await drained, Is.EqualTo(expected));
    }

    private static OutboundFrame Frame(int index, int length)
    {
        var frame = OutboundFrame.Rent();
        var span = frame.GetSpan(length)[..length];
        for (var i = 0; i < length; i++)
        {
            span[i] = (byte)(index * 31 + i);
        }

        frame.Advance(length);
        return frame;
    }

    private static async Task<(Socket Sending, Socket Receiving)> ConnectedPairAsync(bool smallBuffers = true)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var sending = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (smallBuffers)
        {
            sending.SendBufferSize = 4096;
        }

        var accept = listener.AcceptAsync();
        await sending.ConnectAsync(listener.LocalEndPoint!);
        var receiving = await accept;
        if (smallBuffers)
        {
            receiving.ReceiveBufferSize = 4096;
        }

        return (sending, receiving);
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int length, bool slow = true)
    {
        var buffer = new byte[length];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (read < length)
        {
            if (slow)
            {
                await Task.Delay(1, timeout.Token); // a slow reader: the sender has to wait for room
            }

            var n = await socket.ReceiveAsync(buffer.AsMemory(read, Math.Min(slow ? 8192 : 256 * 1024, length - read)), SocketFlags.None, timeout.Token);
            Assert.That(n, Is.GreaterThan(0), "the connection ended early");
            read += n;
        }

        return buffer;
    }
}
