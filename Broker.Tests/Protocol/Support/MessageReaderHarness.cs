using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Tests.Protocol.Support;

/// <summary>A message or control frame as the reader produced it, copied out of the buffer at once.</summary>
internal readonly record struct Received(FrameOpcode Opcode, string PayloadHex)
{
    public static Received From(in WebSocketMessage message) =>
        new(message.Opcode, Convert.ToHexString(message.Payload.ToArray()));

    public static Received Text(string text) => new(FrameOpcode.Text, Convert.ToHexString(Encoding.UTF8.GetBytes(text)));

    public static Received Ping(string text = "") => new(FrameOpcode.Ping, Convert.ToHexString(Encoding.UTF8.GetBytes(text)));

    public static Received Pong(string text = "") => new(FrameOpcode.Pong, Convert.ToHexString(Encoding.UTF8.GetBytes(text)));

    public static Received Close(ReadOnlySpan<byte> body) => new(FrameOpcode.Close, Convert.ToHexString(body));

    public override string ToString()
    {
        var bytes = Convert.FromHexString(PayloadHex);
        return System.Text.Unicode.Utf8.IsValid(bytes) && Opcode != FrameOpcode.Close
            ? $"{Opcode} \"{Encoding.UTF8.GetString(bytes)}\""
            : $"{Opcode} 0x{PayloadHex}";
    }
}

/// <summary>
/// Drives a <see cref="MessageReader"/> the way the host's receive loop does with a PipeReader: each
/// arrival is appended behind the bytes not yet consumed (over the same memory, so in-place unmasking
/// behaves as it does in a pipe), then the whole text frames at the start of the buffer's first
/// segment are read with <see cref="MessageReader.TryReadText"/> and the rest with
/// <see cref="MessageReader.TryRead"/>, until it stops returning <see cref="ReadStatus.Message"/>;
/// what is left unconsumed is kept for the next arrival. With <c>textFastPath: false</c>, only
/// <see cref="MessageReader.TryRead"/>: what the fast path must agree with.
/// </summary>
internal sealed class MessageReaderHarness
{
    private readonly bool _textFastPath;
    private ReadOnlySequence<byte> _pending = ReadOnlySequence<byte>.Empty;

    public MessageReaderHarness(int maxMessageBytes = 1 << 20, bool textFastPath = true)
    {
        Reader = new MessageReader(maxMessageBytes);
        _textFastPath = textFastPath;
    }

    public MessageReader Reader { get; }

    public List<Received> Messages { get; } = [];

    /// <summary>The fault that ended the stream, or null while it is healthy.</summary>
    public ProtocolFault? Fault { get; private set; }

    /// <summary>Bytes received but not consumed yet.</summary>
    public long Unconsumed => _pending.Length;

    /// <summary>The most bytes the reader ever held unconsumed while asking for more data.</summary>
    public long MaxUnconsumedWhileWaiting { get; private set; }

    /// <summary>Calls of <see cref="MessageReader.TryRead"/> so far.</summary>
    public int Calls { get; private set; }

    /// <summary>One arrival of bytes; several pieces become several segments of the buffer.</summary>
    public void Arrive(params ReadOnlyMemory<byte>[] pieces) => Arrive((IEnumerable<ReadOnlyMemory<byte>>)pieces);

    public void Arrive(IEnumerable<ReadOnlyMemory<byte>> pieces)
    {
        if (Fault is not null)
        {
            throw new InvalidOperationException("the host stops reading after a fault");
        }

        var buffer = Sequences.Append(_pending, pieces);
        while (true)
        {
            if (_textFastPath)
            {
                var first = MemoryMarshal.AsMemory(buffer.First).Span;
                var consumed = 0;
                while (Reader.TryReadText(first[consumed..], out var frameLength, out var payload))
                {
                    Calls++;
                    Messages.Add(new Received(FrameOpcode.Text, Convert.ToHexString(payload)));
                    consumed += frameLength;
                }

                buffer = buffer.Slice(consumed);
            }

            var before = buffer.Length;
            Calls++;
            var status = Reader.TryRead(ref buffer, out var message, out var fault);
            if (status == ReadStatus.Message)
            {
                // Termination: every message must consume the frame it came in.
                if (buffer.Length >= before)
                {
                    throw new InvalidOperationException($"TryRead returned a message without consuming input ({before} bytes left)");
                }

                Messages.Add(Received.From(message));
                continue;
            }

            if (status == ReadStatus.Fault)
            {
                Fault = fault;
            }
            else
            {
                MaxUnconsumedWhileWaiting = Math.Max(MaxUnconsumedWhileWaiting, buffer.Length);
            }

            break;
        }

        _pending = buffer;
    }

    /// <summary>Feeds <paramref name="bytes"/> (a fresh copy is taken) as one arrival of one segment.</summary>
    public static MessageReaderHarness ReadAll(byte[] bytes, int maxMessageBytes = 1 << 20)
    {
        var harness = new MessageReaderHarness(maxMessageBytes);
        harness.Arrive((byte[])bytes.Clone());
        return harness;
    }
}
