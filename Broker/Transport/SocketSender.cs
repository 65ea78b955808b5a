using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// A reusable gathered send: many frames' buffers go to the kernel in one sendmsg call. Pooled and
/// rented only while a connection has something to send, so idle connections hold none (the same
/// idea as Kestrel's SocketSenderPool). The runtime completes a buffer-list send only once every
/// byte is written, so partial sends are not our concern here.
/// </summary>
internal sealed class SocketSender : SocketAsyncEventArgs, IValueTaskSource<int>
{
    private const int MaxPooled = 1024;
    private static readonly LifoPool<SocketSender> Pool = new(MaxPooled);

    /// <summary>
    /// Most frames gathered into one sendmsg. On loopback every send call also pays for the
    /// receiver's wake-up, so fewer, fuller calls matter: 256 (from 64) took fan-out to 1,000 from
    /// 0.33 to 0.23 µs of broker CPU per delivery (docs/benchmarks.md). Linux allows 1,024 (IOV_MAX).
    /// </summary>
    public const int MaxFrames = 256;

    /// <summary>
    /// Whether <see cref="SendAsync"/> tries the native gathered send first (64-bit Linux). Off, every
    /// send goes through .NET's; the micro-benchmarks and tests compare the two.
    /// </summary>
    internal static bool UseNativeSend { get; set; } = NativeSocket.IsSupported;

    private readonly List<ArraySegment<byte>> _buffers = new(MaxFrames);
    private readonly List<OutboundFrame> _frames = new(MaxFrames);
    private ManualResetValueTaskSourceCore<int> _source = new() { RunContinuationsAsynchronously = false };
    private long _bytes;

    private SocketSender()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
    }

    /// <summary>How many frames the next send carries (each holds the reference its queue took).</summary>
    public int FrameCount => _frames.Count;

    /// <summary>How many bytes the next send carries: the frames' lengths together.</summary>
    public long ByteCount => _bytes;

    /// <summary>Adds a frame to the next send; the sender now owns the queue's reference to it.</summary>
    public void Add(OutboundFrame frame)
    {
        _frames.Add(frame);
        _bytes += frame.Length;
    }

    /// <summary>After a send: drops the references to the frames it carried.</summary>
    public void ReleaseFrames()
    {
        foreach (var frame in _frames)
        {
            frame.Release();
        }

        _frames.Clear();
        _buffers.Clear();
        _bytes = 0;
    }

    public static SocketSender Rent() => Pool.TryRent() ?? new SocketSender();

    public void Return()
    {
        ReleaseFrames();
        BufferList = null;
        if (!Pool.TryReturn(this))
        {
            Dispose();
        }
    }

    /// <summary>
    /// Sends every frame added. First one native <c>sendmsg</c> (<see cref="NativeSocket"/>);
    /// whatever the kernel could not take at once goes through .NET's send, which waits until the
    /// socket drains. Throws, or completes faulted, when the connection is broken.
    /// </summary>
    public ValueTask<int> SendAsync(Socket socket)
    {
        long done = 0;
        if (UseNativeSend)
        {
            done = NativeSocket.SendGathered(socket.SafeHandle, CollectionsMarshal.AsSpan(_frames));
            if (done == _bytes)
            {
                return ValueTask.FromResult((int)done);
            }
        }

        SetRemainingBuffers(done);
        _source.Reset();
        BufferList = _buffers;
        if (socket.SendAsync(this))
        {
            return new ValueTask<int>(this, _source.Version);
        }

        return SocketError == SocketError.Success
            ? ValueTask.FromResult(BytesTransferred)
            : ValueTask.FromException<int>(new SocketException((int)SocketError));
    }

    /// <summary>The buffer list of the frames' bytes after the first <paramref name="skip"/>.</summary>
    private void SetRemainingBuffers(long skip)
    {
        _buffers.Clear();
        foreach (var frame in _frames)
        {
            var segment = frame.Segment;
            if (skip >= segment.Count)
            {
                skip -= segment.Count;
                continue;
            }

            _buffers.Add(segment[(int)skip..]);
            skip = 0;
        }
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        if (SocketError == SocketError.Success)
        {
            _source.SetResult(BytesTransferred);
        }
        else
        {
            _source.SetException(new SocketException((int)SocketError));
        }
    }

    public int GetResult(short token) => _source.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _source.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
