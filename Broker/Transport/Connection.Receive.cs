using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MasterSocket.Broker.Routing;
using MasterSocket.Broker.Sessions;
using MasterSocket.Protocol.Handshake;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Broker.Transport;

public sealed partial class Connection
{
    private const int MinimumReceive = 4096;

    /// <summary>
    /// What a busy connection receives at once (see <see cref="ReceiveLoopAsync"/>). 64 KiB rather
    /// than 16: more messages per read means fuller sends at its end (<see cref="ReadSends"/>). The
    /// buffer is held only for the read: a busy connection that finds nothing waiting goes back to
    /// the zero-byte wait (<see cref="NothingWaiting"/>). Without the native receive (not 64-bit
    /// Linux), .NET's receive waits in the buffer instead, until the connection's next bytes.
    /// </summary>
    internal const int BusyReceive = 64 * 1024;

    /// <summary>
    /// What <see cref="ReceiveAndProcessAsync"/> returns when a busy connection's read found nothing
    /// waiting after all: the loop waits with a zero-byte receive again, holding no buffer.
    /// </summary>
    private const int NothingWaiting = -1;

    private static readonly bool UseNativeReceive = NativeSocket.IsSupported;

    private ReceiveInput? _input;
    private bool _closeReceived;
    private bool _ignoreInput;

    /// <summary>
    /// True while this connection holds a receive pipe and frame reader: from the bytes' arrival until
    /// they are parsed, and longer only while a partial frame, a fragmented message or an IDENTIFY being
    /// checked waits. For tests.
    /// </summary>
    internal bool HoldsInputPipe => Volatile.Read(ref _input) is not null;

    /// <summary>
    /// The receive loop: wait for data with a zero-byte receive (no buffer and no pipe are held while
    /// idle; a busy connection skips the wait), then receive and parse (<see cref="ReceiveAndProcessAsync"/>) until the peer is gone.
    /// The loop is also the pipe's only reader, so no second task waits per connection; and since it
    /// does not receive again until the parse is done, TCP flow control pushes back on a fast sender.
    /// Everything but the wait lives in the other method, so the state machine an idle connection
    /// keeps alive holds only what the wait needs.
    /// </summary>
    private async Task ReceiveLoopAsync()
    {
        var reason = EndReason.PeerGone;
        try
        {
            var busy = false;
            var waitFirst = true;
            while (!IsEnded)
            {
                if (waitFirst)
                {
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                }

                var received = await ReceiveAndProcessAsync(busy ? BusyReceive : MinimumReceive).ConfigureAwait(false);
                if (received == NothingWaiting)
                {
                    // Busy, but nothing had arrived yet: wait without a buffer, then read as a busy
                    // connection again (its next bytes are most likely more of the same stream).
                    waitFirst = true;
                    continue;
                }

                // A connection whose last read brought 4 KiB or more most likely has more waiting:
                // receive again at once, and more at a time, instead of a zero-byte wait first. That
                // halves the receive calls of a busy sender (~15 % less CPU per message on the load
                // tool's direct scenario) and puts more messages in each read's sends.
                busy = received >= MinimumReceive;
                waitFirst = !busy;
                if (received == 0)
                {
                    // FIN: the peer will send nothing more. If we were closing, this completes the close.
                    reason = _closeQueued ? _closeReason : EndReason.PeerGone;
                    break;
                }
            }
        }
        catch (SocketException)
        {
            reason = _closeQueued ? _closeReason : EndReason.PeerGone;
        }
        catch (ObjectDisposedException)
        {
            // Aborted from elsewhere: the reason is already recorded.
        }
        catch (Exception ex)
        {
            // A bug, not a client's fault: end this connection, never the process.
            Log.ConnectionFailed(_logger, Id, ex);
            reason = EndReason.SocketError;
        }
        finally
        {
            Abort(reason);
            ReturnInput();
        }
    }

    /// <summary>
    /// Receives what the zero-byte receive announced into a pipe (rented with a frame reader if none is
    /// held), parses every complete unit, then AdvanceTo(consumed, examined). When nothing is left over,
    /// both go back to the pool; a partial frame or a fragmented message keeps them until the rest
    /// arrives. Returns the bytes received: 0 at the peer's FIN, <see cref="NothingWaiting"/> when a
    /// busy read found nothing.
    /// Completes synchronously unless the socket has no data after all or an IDENTIFY is checked.
    /// </summary>
    private async ValueTask<int> ReceiveAndProcessAsync(int size)
    {
        var rented = _input is null;
        var input = _input ??= _runtime.InputPipes.Rent();
        var pipe = input.Pipe;
        var writer = pipe.Writer;
        var memory = writer.GetMemory(size);

        // The bytes are usually there already (the zero-byte wait said so, or a busy connection's
        // last read was full): take them with a plain recv, and let .NET's receive wait otherwise.
        var received = UseNativeReceive ? NativeSocket.TryReceive(_socket.SafeHandle, memory.Span) : -1;
        if (received < 0)
        {
            if (UseNativeReceive && size == BusyReceive)
            {
                // A busy connection that fell silent: wait for its next bytes without a buffer
                // rather than in a 64 KiB one, which could be held until a heartbeat.
                if (rented)
                {
                    ReturnInput(unwritten: true);
                }

                return NothingWaiting;
            }

            received = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
        }

        if (received == 0)
        {
            return 0;
        }

        writer.Advance(received);
        await writer.FlushAsync().ConfigureAwait(false); // never waits: the pipe has no pause threshold
        Touch();
        if (!pipe.Reader.TryRead(out var result))
        {
            return received;
        }

        var buffer = result.Buffer;
        try
        {
            while (ProcessRead(ref buffer, input.Messages) is { } pending)
            {
                await pending.ConfigureAwait(false); // an IDENTIFY whose credential is being checked
            }
        }
        finally
        {
            pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
        }

        if (buffer.IsEmpty && !input.Messages.IsInMessage)
        {
            ReturnInput(); // everything parsed: an idle connection holds no pipe and no frame reader
        }

        return received;
    }

    /// <summary>
    /// Gives the pipe and frame reader back (the pipe's buffers go back to the array pool); with
    /// <paramref name="unwritten"/>, the pipe holds a write buffer that received nothing
    /// (<see cref="InputPipePool.ReturnUnwritten"/>). Receive loop only.
    /// </summary>
    private void ReturnInput(bool unwritten = false)
    {
        if (_input is { } input)
        {
            Volatile.Write(ref _input, null);
            if (unwritten)
            {
                _runtime.InputPipes.ReturnUnwritten(input);
            }
            else
            {
                _runtime.InputPipes.Return(input);
            }
        }
    }

    /// <summary>
    /// <see cref="Process"/> with the messages it routes to the same recipients queued together at
    /// its end (<see cref="ReadBatch"/>), and the send loops it starts run there, on this thread, where
    /// that gives full sends (<see cref="ReadSends"/>). Synchronous, so the read is closed before the
    /// caller awaits anything.
    /// </summary>
    private Task? ProcessRead(ref ReadOnlySequence<byte> buffer, MessageReader messages)
    {
        ReadSends.Open();
        ReadBatch.Open();
        try
        {
            return Process(ref buffer, messages);
        }
        finally
        {
            try
            {
                ReadBatch.Close(); // queues the held messages, whose send loops ReadSends.Close starts
            }
            finally
            {
                ReadSends.Close(); // whatever happened above: a send loop left waiting here would never run
            }
        }
    }

    /// <summary>
    /// Parses what the buffer holds. Returns null when more bytes are needed (or nothing more will be
    /// read), or a task the loop must await before parsing on (a credential check).
    /// </summary>
    private Task? Process(ref ReadOnlySequence<byte> buffer, MessageReader messages)
    {
        if (_closeReceived || _ignoreInput || IsEnded)
        {
            buffer = buffer.Slice(buffer.End); // after the peer's close frame nothing counts (RFC 6455 5.5.1)
            return null;
        }

        if (Session is null)
        {
            if (_closeQueued)
            {
                buffer = buffer.Slice(buffer.End); // a refused upgrade: discard until the peer hangs up
                return null;
            }

            if (!ProcessHandshake(ref buffer))
            {
                return null;
            }
        }

        while (true)
        {
            // Whole text frames first, read as spans from the buffer's first segment; whatever
            // they are not (a control frame, a fragment, a frame across segments, a fault) is read
            // below, one at a time.
            if (ReadWholeTexts(buffer.First, messages, out var pendingText) is > 0 and var consumed)
            {
                buffer = buffer.Slice(consumed);
            }

            if (pendingText is not null)
            {
                return pendingText;
            }

            switch (messages.TryRead(ref buffer, out var message, out var fault))
            {
                case ReadStatus.NeedMoreData:
                    return null;
                case ReadStatus.Fault:
                    Log.ProtocolFault(_logger, Id, fault.Code, fault.Reason);
                    BeginClose(fault.Code, fault.Reason, EndReason.ProtocolFault);
                    buffer = buffer.Slice(buffer.End);
                    _ignoreInput = true; // read nothing more from a peer that broke the protocol
                    return null;
            }

            switch (message.Opcode)
            {
                case FrameOpcode.Text when !_closeQueued:
                    if (OnText(message.Payload) is { } pending)
                    {
                        return pending;
                    }

                    break;
                case FrameOpcode.Ping when !_closeQueued:
                    SendPong(message.Payload);
                    break;
                case FrameOpcode.Close:
                    OnCloseFrame(message);
                    buffer = buffer.Slice(buffer.End);
                    return null;
            }
        }
    }

    /// <summary>
    /// Hands the whole text frames at the start of <paramref name="segment"/> to the session
    /// (<see cref="MessageReader.TryReadText"/>) and returns how many bytes they took; stops at
    /// the first frame it does not take, when the session starts a credential check
    /// (<paramref name="pending"/>), or once a close is queued (what follows is read and dropped).
    /// </summary>
    private int ReadWholeTexts(ReadOnlyMemory<byte> segment, MessageReader messages, out Task? pending)
    {
        pending = null;
        var bytes = MemoryMarshal.AsMemory(segment).Span; // the pipe's own memory: unmasked in place
        var consumed = 0;
        while (!_closeQueued && messages.TryReadText(bytes[consumed..], out var frameLength, out var payload))
        {
            consumed += frameLength;
            pending = Session!.OnMessage(payload);
            if (pending is not null)
            {
                break;
            }
        }

        return consumed;
    }

    private Task? OnText(in ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            return Session!.OnMessage(payload.FirstSpan);
        }

        // A message that straddles pipe segments: make it contiguous once, in a pooled buffer.
        var length = (int)payload.Length;
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            payload.CopyTo(copy);
            return Session!.OnMessage(copy.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private void OnCloseFrame(in WebSocketMessage message)
    {
        if (OnPeerClose())
        {
            return; // our close was answered: the handshake is complete
        }

        // RFC 6455 5.5.1: answer with a close frame echoing the status code, then close TCP.
        BeginClose((CloseCode)message.CloseStatus, reason: null, EndReason.Closed);
    }

    /// <summary>Reads the upgrade request; returns true when the connection is now a WebSocket.</summary>
    private bool ProcessHandshake(ref ReadOnlySequence<byte> buffer)
    {
        var limits = _runtime.Options.Limits;
        switch (HandshakeParser.TryParse(ref buffer, limits.MaxHandshakeBytes, out var request))
        {
            case HandshakeParseStatus.NeedMoreData:
                return false;
            case HandshakeParseStatus.TooLarge:
                RefuseUpgrade(431, $"the request head is larger than {limits.MaxHandshakeBytes} bytes", ref buffer);
                return false;
            case HandshakeParseStatus.Malformed:
                RefuseUpgrade(400, "malformed HTTP request", ref buffer);
                return false;
        }

        var decision = HandshakeValidator.Decide(request!);
        if (decision.Accepted && !_runtime.IsOriginAllowed(request!.Origin))
        {
            decision = new HandshakeDecision(403, "Origin not allowed");
        }

        if (decision.Accepted && !_runtime.Connections.TryAdmitWebSocket(this))
        {
            decision = new HandshakeDecision(503, "the broker is at its connection limit; retry later");
        }

        if (!decision.Accepted)
        {
            RefuseUpgrade(decision.StatusCode, decision.Reason, ref buffer);
            return false;
        }

        var accept = OutboundFrame.Rent();
        HandshakeResponse.WriteAccept(accept, request!.WebSocketKey, decision.Subprotocol);
        Send(accept); // nothing is pending yet, so the pending-bytes bound cannot refuse it
        accept.Release();
        Session = new Session(this, _runtime); // from here on the bytes are frames
        Log.Upgraded(_logger, Id, RemoteEndPoint, decision.Subprotocol);
        return true;
    }

    private void RefuseUpgrade(int status, string reason, ref ReadOnlySequence<byte> buffer)
    {
        Log.UpgradeRefused(_logger, Id, status, reason);
        buffer = buffer.Slice(buffer.End);
        var refusal = OutboundFrame.Rent();
        HandshakeResponse.WriteRejection(refusal, status, reason);
        QueueFinal(refusal, EndReason.HandshakeRefused, dropBacklog: false);
        refusal.Release();
    }
}
