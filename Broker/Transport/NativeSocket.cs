using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// The two socket calls of the hot path made directly, non-blocking, with .NET's socket only for
/// waiting: a receive once the zero-byte wait said data is there, and a gathered send.
/// <para>
/// Receive: .NET's <see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags)"/> goes through its
/// per-socket operation queue even when the data is already there; a plain <c>recv</c> does not.
/// </para>
/// <para>
/// Send: one non-blocking <c>sendmsg</c> of many frames, straight from their pinned buffers. .NET's
/// gathered send (<see cref="SocketAsyncEventArgs.BufferList"/>) copies the list, pins every buffer
/// with a GC handle and, past 8 buffers, allocates two arrays per call: for a fan-out send of 100
/// frames that is 200 handle operations and 2.4 KB of garbage per call. Our frames already live in
/// pinned memory (<see cref="OutboundFrame"/>), so the iovecs are built on the stack and nothing is
/// pinned or allocated; small frames no other queue holds are first copied together into one vector
/// (<see cref="StageLimit"/>).
/// Only the first attempt is ours: when the kernel cannot take everything now,
/// the caller hands the rest to .NET's send, which waits for the socket to drain. Measured by
/// <c>SendBenchmarks</c> (docs/benchmarks.md): 100 frames in 13.3 µs against 18.8 µs and 0 B against
/// 2,448 B per call, 8 frames in 6.2 µs against 7.9 µs; one frame costs the same (the kernel's
/// share dominates).
/// </para>
/// <para>Linux on 64-bit only (the <c>msghdr</c> layout below); elsewhere <see cref="IsSupported"/>
/// is false and every send goes through .NET.</para>
/// </summary>
internal static unsafe partial class NativeSocket
{
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int EIntr = 4;
    private const int EAgain = 11;

    /// <summary>
    /// 64-bit Linux whose C library answers the calls: a probe <c>recv</c> on no descriptor must
    /// fail with EBADF rather than throw, so an image where "libc" does not resolve (or resolves
    /// to something else) falls back to .NET's calls instead of failing every connection.
    /// </summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && IntPtr.Size == 8 && Probe();

    /// <summary>
    /// Receives what is there into <paramref name="buffer"/> without waiting. Returns the bytes
    /// received, 0 at the peer's FIN, or -1 when nothing is there (then wait with .NET's receive);
    /// throws <see cref="SocketException"/> when the connection is broken.
    /// </summary>
    public static int TryReceive(SafeHandle socket, Span<byte> buffer)
    {
        var added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            var fd = (int)socket.DangerousGetHandle();
            fixed (byte* start = buffer)
            {
                while (true)
                {
                    var received = Receive(fd, start, (nuint)buffer.Length, MsgDontWait);
                    if (received >= 0)
                    {
                        return (int)received;
                    }

                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EAgain)
                    {
                        return -1;
                    }

                    if (errno != EIntr)
                    {
                        throw new SocketException((int)SocketError.ConnectionReset);
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Frames up to this size that only this send holds are copied side by side into the calling
    /// thread's staging buffer when a send carries more than one, and go to the kernel as one vector.
    /// Such a frame was written once, a while ago, and is read once now: the kernel's copy, vector by
    /// vector, paid for it dearly. Profiled under the load tool's DIRECT at full load (~100 frames
    /// per send), the kernel's copy fell from 12 % to 4–6 % of the broker's CPU for 1.6 % more in our
    /// own copy, about 0.03 µs of 0.7 per message. A frame other queues still hold (a broadcast,
    /// <see cref="OutboundFrame.IsShared"/>) is read by each of their sends while it is in cache, and
    /// staging it cost more than it saved (fan-out to 1,000: ~0.006 µs more per delivery), so it
    /// goes as it is, like a larger frame (docs/benchmarks.md).
    /// </summary>
    internal const int StageLimit = 1024;

    /// <summary>
    /// One thread's staging buffer: room for a full send of small frames (256 frames of 256 bytes).
    /// Used only inside one synchronous <c>sendmsg</c> call, so a thread needs one, whatever the
    /// number of connections; what the kernel did not take is sent later from the frames themselves.
    /// </summary>
    internal const int StagingBytes = 64 * 1024;

    [ThreadStatic]
    private static byte[]? t_staging;

    /// <summary>
    /// Sends as much of <paramref name="frames"/> as the socket takes without waiting. Returns the
    /// bytes sent (0 when the socket's buffer is full); throws <see cref="SocketException"/> when
    /// the connection is broken, <see cref="ObjectDisposedException"/> when the socket is closed.
    /// </summary>
    [SkipLocalsInit] // every vector used is written first; zeroing 4 KiB per call would be waste
    public static long SendGathered(SafeHandle socket, ReadOnlySpan<OutboundFrame> frames)
    {
        var count = frames.Length;
        if (count > SocketSender.MaxFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(frames), count, "more frames than one send carries");
        }

        var vectors = stackalloc IoVector[count];
        var handles = stackalloc GCHandle[count];
        var pinnedHere = 0;
        var added = false;
        try
        {
            var header = new MessageHeader { Vectors = vectors, VectorCount = (nuint)Gather(frames, vectors, handles, ref pinnedHere) };
            socket.DangerousAddRef(ref added);
            var fd = (int)socket.DangerousGetHandle();
            while (true)
            {
                var sent = SendMessage(fd, &header, MsgDontWait | MsgNoSignal);
                if (sent >= 0)
                {
                    return sent;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == EAgain)
                {
                    return 0;
                }

                if (errno != EIntr)
                {
                    throw new SocketException((int)SocketError.ConnectionReset);
                }
            }
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }

            Free(handles, pinnedHere);
        }
    }

    /// <summary>
    /// How many vectors <see cref="SendGathered"/> hands the kernel for these frames (their bytes are
    /// staged as they would be for the send). For tests.
    /// </summary>
    internal static int CountVectors(ReadOnlySpan<OutboundFrame> frames)
    {
        var vectors = stackalloc IoVector[frames.Length];
        var handles = stackalloc GCHandle[frames.Length];
        var pinnedHere = 0;
        try
        {
            return Gather(frames, vectors, handles, ref pinnedHere);
        }
        finally
        {
            Free(handles, pinnedHere);
        }
    }

    /// <summary>
    /// Writes the vectors for <paramref name="frames"/>, in order, and returns how many: small frames
    /// that only this send holds, of a send of several, copied together into the thread's staging
    /// buffer (<see cref="StageLimit"/>), the others pointing at their own buffers, pinned already
    /// (<see cref="OutboundFrame.IsPinned"/>) or here with a handle the caller frees.
    /// </summary>
    private static int Gather(ReadOnlySpan<OutboundFrame> frames, IoVector* vectors, GCHandle* handles, ref int pinnedHere)
    {
        var staging = frames.Length > 1 ? t_staging ??= GC.AllocateUninitializedArray<byte>(StagingBytes, pinned: true) : null;
        var staged = 0;
        var count = 0;
        var lastStaged = false;
        foreach (var frame in frames)
        {
            var length = frame.Length;
            if (staging is not null && length <= StageLimit && !frame.IsShared && staged + length <= staging.Length)
            {
                frame.Span.CopyTo(staging.AsSpan(staged));
                if (lastStaged)
                {
                    vectors[count - 1].Length += (nuint)length; // right after the previous staged frame
                }
                else
                {
                    vectors[count++] = new IoVector { Base = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(staging, staged), Length = (nuint)length };
                }

                staged += length;
                lastStaged = true;
                continue;
            }

            lastStaged = false;
            var buffer = frame.Buffer;
            byte* start;
            if (frame.IsPinned)
            {
                start = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
            }
            else
            {
                // A frame over the pooled size (a large message) sits in an ordinary array.
                handles[pinnedHere] = GCHandle.Alloc(buffer, GCHandleType.Pinned);
                start = (byte*)handles[pinnedHere++].AddrOfPinnedObject();
            }

            vectors[count++] = new IoVector { Base = start, Length = (nuint)length };
        }

        return count;
    }

    /// <summary>Unpins the buffers <see cref="Gather"/> pinned for a send.</summary>
    private static void Free(GCHandle* handles, int count)
    {
        for (var i = 0; i < count; i++)
        {
            handles[i].Free();
        }
    }

    private static bool Probe()
    {
        const int EBadF = 9;
        try
        {
            byte unused;
            var message = new MessageHeader { Vectors = null, VectorCount = 0 };
            return Receive(-1, &unused, 0, MsgDontWait) == -1 && Marshal.GetLastPInvokeError() == EBadF
                && SendMessage(-1, &message, MsgDontWait | MsgNoSignal) == -1 && Marshal.GetLastPInvokeError() == EBadF;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Receive(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMessage(int fd, MessageHeader* message, int flags);

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr on 64-bit Linux (no address, no control data).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }
}
