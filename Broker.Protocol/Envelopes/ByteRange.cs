namespace MasterSocket.Protocol.Envelopes;

/// <summary>
/// Where a JSON value sits inside the message it was read from: an offset and a length, so that
/// values are forwarded as the sender's own bytes, never re-serialised. Length 0 means absent
/// (no JSON value is zero bytes long).
/// </summary>
public readonly record struct ByteRange(int Start, int Length)
{
    public bool IsEmpty => Length == 0;

    public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> message) => IsEmpty ? [] : message.Slice(Start, Length);
}
