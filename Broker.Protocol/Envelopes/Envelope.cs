using System.Text.Json;

namespace MasterSocket.Protocol.Envelopes;

/// <summary>
/// An envelope as read by <see cref="EnvelopeReader"/>: the op, the intent, and where the raw JSON
/// of <c>id</c>, <c>event</c>, <c>data</c> and <c>intent.identifier</c> sits in the message. It holds
/// no bytes of its own, so it is only meaningful together with the message it was read from.
/// </summary>
public readonly struct Envelope
{
    public OpCode Op { get; init; }

    /// <summary>The raw <c>id</c> token (a JSON string with its quotes, or a number); empty when absent or null.</summary>
    public ByteRange Id { get; init; }

    /// <summary>The raw <c>event</c> token (a JSON string with its quotes); empty when absent.</summary>
    public ByteRange Event { get; init; }

    /// <summary>The raw <c>data</c> value, any JSON; empty when absent.</summary>
    public ByteRange Data { get; init; }

    /// <summary>The intent's target; <see cref="Target.Global"/> when an EVENT or REPLY has no intent.</summary>
    public Target Target { get; init; }

    /// <summary>The raw <c>intent.identifier</c> token (a JSON string with its quotes); empty for GLOBAL.</summary>
    public ByteRange Identifier { get; init; }

    /// <summary>True when the identifier contains JSON escapes, so its raw bytes are not its value.</summary>
    public bool IdentifierIsEscaped { get; init; }

    /// <summary>True for the ops the broker routes to other clients (PROTOCOL.md 4).</summary>
    public bool IsRouted => Op is OpCode.Event or OpCode.Reply;

    /// <summary>
    /// Writes the identifier's UTF-8 value (escapes resolved) into <paramref name="destination"/>,
    /// which must be at least as long as the raw token. Returns the number of bytes written.
    /// </summary>
    public int CopyIdentifier(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        if (Identifier.IsEmpty)
        {
            return 0;
        }

        var raw = Identifier.Of(message);
        if (!IdentifierIsEscaped)
        {
            var content = raw[1..^1];
            content.CopyTo(destination);
            return content.Length;
        }

        var reader = new Utf8JsonReader(raw);
        reader.Read();
        return reader.CopyString(destination);
    }
}
