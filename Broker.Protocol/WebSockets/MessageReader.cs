using System.Buffers;
using System.Text.Unicode;

namespace MasterSocket.Protocol.WebSockets;

/// <summary>
/// Turns the bytes a client sends into whole text messages and control frames, enforcing every
/// rule of RFC 6455 section 5 that applies to a server, and the contract's limits (PROTOCOL.md 1).
/// One instance per connection at a time: it holds the state of a fragmented message between frames
/// (<see cref="IsInMessage"/>); between messages it holds nothing a connection needs, so a broker may
/// lend one to a connection only while it has bytes to parse (<see cref="Reset"/>).
/// Not thread-safe; one receive loop calls it.
/// <para>
/// Follows the PipeReader contract: call <see cref="TryRead"/> until it stops returning
/// <see cref="ReadStatus.Message"/>, then <c>AdvanceTo(buffer.Start, buffer.End)</c>. A frame is
/// only taken once all of it is in the buffer, so the caller's pipe must be allowed to buffer
/// <c>max(maxMessageBytes, 125) + FrameHeader.MaxLength</c> bytes (a control frame may carry 125
/// bytes whatever the message limit). The common case, a small unfragmented text
/// frame, allocates nothing: its payload is unmasked in place and handed out as a slice.
/// </para>
/// <para>
/// A caller that has the buffer's bytes as a span (its first segment) may first take the whole text
/// frames at its start with <see cref="TryReadText"/>, which declines everything else untouched,
/// and then go on with <see cref="TryRead"/> from where those end: the same answers, without a
/// <see cref="ReadOnlySequence{T}"/> slice per message (the broker's receive loop does this).
/// </para>
/// </summary>
public sealed class MessageReader
{
    /// <summary>RFC 6455 5.5: "All control frames MUST have a payload length of 125 bytes or less".</summary>
    public const int MaxControlPayload = 125;

    private const int KeepAssemblyCapacity = 64 * 1024;

    private readonly int _maxMessageBytes;
    private ArrayBufferWriter<byte>? _assembly;
    private Utf8Validator _utf8;
    private bool _inFragmentedMessage;

    public MessageReader(int maxMessageBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageBytes);
        _maxMessageBytes = maxMessageBytes;
    }

    public int MaxMessageBytes => _maxMessageBytes;

    /// <summary>True between the first and the last frame of a fragmented message.</summary>
    public bool IsInMessage => _inFragmentedMessage;

    /// <summary>Forgets a fragmented message in progress, so the reader can serve another connection.</summary>
    public void Reset()
    {
        _inFragmentedMessage = false;
        _utf8.Reset();
        _assembly?.ResetWrittenCount();
    }

    /// <summary>
    /// Reads the next whole text message or control frame from the start of <paramref name="buffer"/>
    /// and advances <paramref name="buffer"/> past what it consumed. Continuation frames of a
    /// fragmented message are consumed silently until its last fragment arrives.
    /// </summary>
    public ReadStatus TryRead(ref ReadOnlySequence<byte> buffer, out WebSocketMessage message, out ProtocolFault fault)
    {
        message = default;
        fault = default;
        while (true)
        {
            if (!FrameHeader.TryParse(buffer, out var header, out var headerFault))
            {
                return ReadStatus.NeedMoreData;
            }

            if ((headerFault ?? Validate(header)) is { } headerRuleBroken)
            {
                fault = headerRuleBroken;
                return ReadStatus.Fault;
            }

            // Every limit was decided from the header above: only now wait for the payload.
            var frameLength = header.HeaderLength + header.PayloadLength;
            if (buffer.Length < frameLength)
            {
                return ReadStatus.NeedMoreData;
            }

            var payload = buffer.Slice(header.HeaderLength, header.PayloadLength);
            var ascii = Masking.ApplyInPlace(payload, header.MaskKey);
            buffer = buffer.Slice(frameLength);

            if (header.IsControl)
            {
                if (header.Opcode == FrameOpcode.Close && ValidateClosePayload(payload) is { } closeFault)
                {
                    fault = closeFault;
                    return ReadStatus.Fault;
                }

                message = new WebSocketMessage(header.Opcode, payload);
                return ReadStatus.Message;
            }

            if (header.Opcode == FrameOpcode.Text && header.Fin)
            {
                // The common case: one frame, one message, no copy. ASCII needs no UTF-8 check.
                if (!ascii && !Utf8Validator.IsValid(payload))
                {
                    fault = new ProtocolFault(CloseCode.InvalidPayloadData, "text message is not valid UTF-8");
                    return ReadStatus.Fault;
                }

                message = new WebSocketMessage(FrameOpcode.Text, payload);
                return ReadStatus.Message;
            }

            if (header.Opcode == FrameOpcode.Text)
            {
                StartFragmentedMessage();
            }

            if (!AppendFragment(payload))
            {
                fault = new ProtocolFault(CloseCode.InvalidPayloadData, "text message is not valid UTF-8");
                return ReadStatus.Fault;
            }

            if (header.Fin)
            {
                _inFragmentedMessage = false;
                if (!_utf8.IsComplete)
                {
                    fault = new ProtocolFault(CloseCode.InvalidPayloadData, "text message ends inside a UTF-8 sequence");
                    return ReadStatus.Fault;
                }

                message = new WebSocketMessage(FrameOpcode.Text, new ReadOnlySequence<byte>(_assembly!.WrittenMemory));
                return ReadStatus.Message;
            }
        }
    }

    /// <summary>
    /// The common case of <see cref="TryRead"/> on contiguous bytes (the first segment of the
    /// caller's buffer): when <paramref name="bytes"/> starts with a whole, unfragmented text frame
    /// that breaks no rule and whose text is valid UTF-8, unmasks it in place, and returns true with
    /// the frame's length and its payload (a slice of <paramref name="bytes"/>). Returns false, with
    /// the bytes as they were, for anything else (a partial frame, a control frame, a fragment, a
    /// broken rule, invalid UTF-8): <see cref="TryRead"/> then reads the same bytes, and has the
    /// answers and the faults.
    /// <para>
    /// Why: <see cref="TryRead"/> works on a <see cref="ReadOnlySequence{T}"/>, and its slices and
    /// segment lookups (four or five per message) cost about as much as the checks themselves. A
    /// read that brings a hundred small messages reads them here, from one span.
    /// </para>
    /// </summary>
    public bool TryReadText(Span<byte> bytes, out int frameLength, out Span<byte> payload)
    {
        frameLength = 0;
        payload = default;
        if (!FrameHeader.TryParse(bytes, out var header, out var headerFault)
            || header.Opcode != FrameOpcode.Text || !header.Fin
            || (headerFault ?? Validate(header)) is not null
            || header.PayloadLength > bytes.Length - header.HeaderLength)
        {
            return false;
        }

        var text = bytes.Slice(header.HeaderLength, (int)header.PayloadLength);
        if (!Masking.Apply(text, header.MaskKey) && !Utf8.IsValid(text))
        {
            Masking.Apply(text, header.MaskKey); // masked again, as it came: TryRead refuses it
            return false;
        }

        frameLength = header.HeaderLength + text.Length;
        payload = text;
        return true;
    }

    /// <summary>The header checks of RFC 6455 sections 5.1, 5.2, 5.4 and 5.5, and the size limit.</summary>
    private ProtocolFault? Validate(in FrameHeader header)
    {
        // 5.2: RSV1-3 "MUST be 0 unless an extension is negotiated"; we negotiate none.
        if (header.Reserved != 0)
        {
            return ProtocolFault.Protocol("reserved bits must be 0: no extension was negotiated");
        }

        // 5.1: "The server MUST close the connection upon receiving a frame that is not masked."
        if (!header.Masked)
        {
            return ProtocolFault.Protocol("client frames must be masked");
        }

        switch (header.Opcode)
        {
            case FrameOpcode.Close or FrameOpcode.Ping or FrameOpcode.Pong:
                // 5.5: control frames are at most 125 bytes and never fragmented.
                if (header.PayloadLength > MaxControlPayload)
                {
                    return ProtocolFault.Protocol("control frame payload is longer than 125 bytes");
                }

                return header.Fin ? null : ProtocolFault.Protocol("control frames must not be fragmented");

            case FrameOpcode.Text:
                // 5.4: a new data frame may not start while a fragmented message is open.
                if (_inFragmentedMessage)
                {
                    return ProtocolFault.Protocol("a new message started before the fragmented one ended");
                }

                return header.PayloadLength > _maxMessageBytes ? TooBig : null;

            case FrameOpcode.Continuation:
                if (!_inFragmentedMessage)
                {
                    return ProtocolFault.Protocol("continuation frame without a message to continue");
                }

                // Subtract rather than add: a 63-bit announced length plus the bytes so far would overflow.
                return header.PayloadLength > _maxMessageBytes - _assembly!.WrittenCount ? TooBig : null;

            case FrameOpcode.Binary:
                return _inFragmentedMessage
                    ? ProtocolFault.Protocol("a new message started before the fragmented one ended")
                    : new ProtocolFault(CloseCode.UnsupportedData, "binary messages are not supported: send UTF-8 text");

            default:
                return ProtocolFault.Protocol("reserved opcode");
        }
    }

    private static readonly ProtocolFault TooBig = new(CloseCode.MessageTooBig, "message is larger than the broker's limit");

    /// <summary>RFC 6455 5.5.1 and 7.4: no body, or a valid 2-byte code and a UTF-8 reason.</summary>
    private static ProtocolFault? ValidateClosePayload(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length == 0)
        {
            return null;
        }

        if (payload.Length == 1)
        {
            return ProtocolFault.Protocol("close frame body of 1 byte: a status code needs 2");
        }

        var message = new WebSocketMessage(FrameOpcode.Close, payload);
        if (!CloseCodes.IsValidOnWire(message.CloseStatus))
        {
            return ProtocolFault.Protocol("close frame carries an invalid status code");
        }

        return Utf8Validator.IsValid(payload.Slice(2))
            ? null
            : new ProtocolFault(CloseCode.InvalidPayloadData, "close reason is not valid UTF-8");
    }

    private void StartFragmentedMessage()
    {
        _inFragmentedMessage = true;
        _utf8.Reset();
        if (_assembly is { Capacity: > KeepAssemblyCapacity })
        {
            _assembly = null; // give a large one back to the GC rather than hold it per connection
        }

        _assembly ??= new ArrayBufferWriter<byte>(256);
        _assembly.ResetWrittenCount();
    }

    private bool AppendFragment(in ReadOnlySequence<byte> payload)
    {
        foreach (var segment in payload)
        {
            if (!_utf8.Append(segment.Span))
            {
                return false;
            }

            _assembly!.Write(segment.Span);
        }

        return true;
    }
}
