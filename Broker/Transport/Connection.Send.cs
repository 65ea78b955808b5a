using System.Buffers;
using System.Net.Sockets;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Broker.Transport;

public sealed partial class Connection
{
    /// <summary>
    /// Most bytes gathered into one send call (the most frames is <see cref="SocketSender.MaxFrames"/>).
    /// </summary>
    private const int MaxBytesPerSend = 256 * 1024;

    private FrameQueue _queue;
    private long _pendingBytes;
    private bool _sending;
    private bool _closeQueued;
    private bool _finalFramesSent;

    /// <summary>
    /// True from the moment a read on some thread took this connection's send loop
    /// (<see cref="ReadSends"/>) until the loop starts at the end of that read. The frames queued
    /// meanwhile wait for the broker, not for the client, so they do not count against
    /// <c>MaxPendingBytes</c>; one read (at most <see cref="BusyReceive"/> bytes in) bounds them.
    /// </summary>
    private volatile bool _waitingForReadEnd;

    /// <summary>Bytes queued or being handed to the kernel.</summary>
    public long PendingBytes
    {
        get
        {
            lock (Sync)
            {
                return _pendingBytes;
            }
        }
    }

    /// <summary>True when this connection has made a <see cref="Queue{T}"/> for its frames (see <see cref="FrameQueue"/>). For tests.</summary>
    internal bool HoldsSendQueue
    {
        get
        {
            lock (Sync)
            {
                return _queue.HasQueue;
            }
        }
    }

    /// <summary>
    /// Queues a frame for this client, taking a reference to it; the caller keeps its own. Returns
    /// false when the connection is closing or gone. A client whose queue would pass
    /// <c>Limits:MaxPendingBytes</c> is disconnected with SLOW_CONSUMER instead: it pays for its own
    /// slowness, and no sender ever waits for it. Frames held back until the end of a read are not
    /// the client's slowness and are always queued (<see cref="_waitingForReadEnd"/>).
    /// </summary>
    public bool Send(OutboundFrame frame)
    {
        bool fits;
        var start = false;
        lock (Sync)
        {
            if (_closeQueued || IsEnded)
            {
                return false;
            }

            fits = _pendingBytes + frame.Length <= _runtime.Options.Limits.MaxPendingBytes || _waitingForReadEnd;
            if (fits)
            {
                start = EnqueueLocked(frame);
            }
        }

        if (!fits)
        {
            Disconnect(DisconnectCode.SlowConsumer, "too many bytes waiting to be sent to this client: read faster");
            return false;
        }

        if (start)
        {
            StartSendLoop();
        }

        return true;
    }

    /// <summary>
    /// Sends DISCONNECT with <paramref name="code"/>, then the close frame the contract pairs with it
    /// (PROTOCOL.md 5), then closes. A slow consumer's backlog is dropped first, so the DISCONNECT is
    /// not stuck behind it.
    /// </summary>
    public void Disconnect(DisconnectCode code, string reason)
    {
        var frame = OutboundFrame.Rent();
        BrokerMessages.WriteDisconnect(frame, code, reason);
        FrameWriter.WriteClose(frame, code.CloseCode(), System.Text.Encoding.UTF8.GetBytes(code.WireName()));
        Log.Disconnecting(_logger, Id, code.WireName(), reason);
        QueueFinal(frame, code == DisconnectCode.Shutdown ? EndReason.Shutdown : EndReason.Disconnected, dropBacklog: code == DisconnectCode.SlowConsumer);
        frame.Release();
    }

    /// <summary>Sends a close frame and closes (a protocol fault, a client's DISCONNECT, or an echo of the client's close).</summary>
    private void BeginClose(CloseCode code, string? reason, EndReason endReason)
    {
        var frame = OutboundFrame.Rent();
        FrameWriter.WriteClose(frame, (ushort)code, reason is null ? default : System.Text.Encoding.UTF8.GetBytes(reason));
        QueueFinal(frame, endReason, dropBacklog: false);
        frame.Release();
    }

    /// <summary>A client's DISCONNECT: "gets no answer: the broker closes with 1000".</summary>
    public void CloseNormally() => BeginClose(CloseCode.NormalClosure, reason: null, EndReason.Closed);

    /// <summary>RFC 6455 5.5.3: a pong carries the ping's application data.</summary>
    private void SendPong(in ReadOnlySequence<byte> pingPayload)
    {
        Span<byte> data = stackalloc byte[MessageReader.MaxControlPayload];
        pingPayload.CopyTo(data);
        var frame = OutboundFrame.Rent();
        FrameWriter.WritePong(frame, data[..(int)pingPayload.Length]);
        Send(frame);
        frame.Release();
    }

    /// <summary>
    /// Queues the last frame this connection will send (a close, a DISCONNECT and close, or a refused
    /// upgrade's HTTP response); nothing is accepted after it, and the close deadline starts.
    /// </summary>
    private void QueueFinal(OutboundFrame frame, EndReason reason, bool dropBacklog)
    {
        bool start;
        lock (Sync)
        {
            if (_closeQueued || IsEnded)
            {
                return;
            }

            if (dropBacklog)
            {
                DropQueuedLocked();
            }

            _closeQueued = true;
            _closeReason = reason;
            Volatile.Write(ref _closeDeadline, Environment.TickCount64 + _runtime.CloseTimeoutMs);
            start = EnqueueLocked(frame);
        }

        if (start)
        {
            StartSendLoop();
        }
    }

    /// <summary>
    /// Under <c>Sync</c>: queues the frame, taking a reference, and counts its bytes. Returns true
    /// when no send loop is running, so the caller must start one (after leaving the lock).
    /// </summary>
    private bool EnqueueLocked(OutboundFrame frame)
    {
        frame.AddReference();
        _queue.Enqueue(frame);
        _pendingBytes += frame.Length;
        var start = !_sending;
        _sending = true;
        return start;
    }

    /// <summary>
    /// Starts the send loop: at the end of the read being parsed on this thread, if there is one
    /// (<see cref="ReadSends"/>), otherwise through the scheduler.
    /// </summary>
    private void StartSendLoop()
    {
        if (ReadSends.TryDefer(this))
        {
            // Set after the lock that queued the frame: a Send on another thread in between still
            // sees false and applies the bound as if the loop were running.
            _waitingForReadEnd = true;
        }
        else
        {
            ((ISendLoop)this).ScheduleSendLoop();
        }
    }

    bool ISendLoop.HasQueued(int messages)
    {
        lock (Sync)
        {
            return _queue.HoldsAtLeast(messages);
        }
    }

    /// <summary>Runs the send loop on this thread until it is done or must wait (the scheduler's shard, or the end of a read).</summary>
    void ISendLoop.RunSendLoop()
    {
        _waitingForReadEnd = false;
        _ = SendLoopAsync();
    }

    void ISendLoop.ScheduleSendLoop()
    {
        _waitingForReadEnd = false;
        _runtime.Sends.Schedule(this);
    }

    /// <summary>
    /// The send loop, alive only while frames are queued: it takes everything queued (up to a bound),
    /// hands it to the kernel in one gathered send, and repeats until the queue is empty.
    /// </summary>
    private async Task SendLoopAsync()
    {
        var sender = SocketSender.Rent();
        try
        {
            long sent = 0;
            while (true)
            {
                lock (Sync)
                {
                    // Every change to _pendingBytes happens under this lock.
                    _pendingBytes -= sent;
                    while (sender.FrameCount < SocketSender.MaxFrames && sender.ByteCount < MaxBytesPerSend && _queue.TryDequeue(out var frame))
                    {
                        sender.Add(frame);
                    }

                    if (sender.FrameCount == 0 || IsEnded)
                    {
                        _sending = false;
                        break;
                    }
                }

                await sender.SendAsync(_socket).ConfigureAwait(false);
                sent = sender.ByteCount; // read before ReleaseFrames, which starts the next send at 0
                sender.ReleaseFrames();
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            lock (Sync)
            {
                _sending = false;
            }

            Abort(_closeQueued ? _closeReason : EndReason.SocketError);
        }
        finally
        {
            sender.Return(); // releases the frames of a send that failed
        }

        if (Volatile.Read(ref _closeQueued) && !IsEnded)
        {
            OnFinalFramesSent();
        }
    }

    /// <summary>
    /// Everything including the close frame is sent. If the peer's close already arrived, the
    /// handshake is done and the server closes TCP first (RFC 6455 7.1.1); otherwise half-close and
    /// let the receive loop wait for the peer's close frame or FIN, bounded by the close timeout.
    /// </summary>
    private void OnFinalFramesSent()
    {
        bool handshakeDone;
        lock (Sync)
        {
            if (_finalFramesSent || _queue.Count > 0 || _sending)
            {
                return;
            }

            _finalFramesSent = true;
            handshakeDone = _closeReceived;
        }

        if (handshakeDone)
        {
            Abort(_closeReason);
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Abort(_closeReason);
        }
    }

    /// <summary>
    /// The peer's close frame arrived. Returns true when ours was already queued (so this completes
    /// the handshake); the connection then ends once ours is sent, or now if it already was.
    /// Both flags change under the lock, so exactly one of the two sides sees the other's.
    /// </summary>
    private bool OnPeerClose()
    {
        bool ourCloseQueued;
        bool ourCloseSent;
        lock (Sync)
        {
            _closeReceived = true;
            ourCloseQueued = _closeQueued;
            ourCloseSent = _finalFramesSent;
        }

        if (ourCloseSent)
        {
            Abort(_closeReason);
        }

        return ourCloseQueued;
    }

    private void DropQueued()
    {
        lock (Sync)
        {
            DropQueuedLocked();
        }
    }

    private void DropQueuedLocked()
    {
        while (_queue.TryDequeue(out var frame))
        {
            _pendingBytes -= frame.Length;
            frame.Release();
        }
    }
}
