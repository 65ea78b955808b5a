namespace MasterSocket.Broker.Routing;

/// <summary>
/// A dictionary key over UTF-8 bytes (a clientId as the broker minted it). The bytes are what DIRECT
/// names and what is stamped as <c>from</c>, so keying by them means a session keeps its id once, as
/// bytes, and a lookup never transcodes the target to UTF-16. Compare with <see cref="Utf8KeyComparer"/>,
/// which also looks keys up by span. The array is shared with its owner and must not change.
/// </summary>
public readonly struct Utf8Key(byte[] bytes)
{
    public byte[] Bytes { get; } = bytes;

    public ReadOnlySpan<byte> Span => Bytes;
}
