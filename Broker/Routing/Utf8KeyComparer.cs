namespace MasterSocket.Broker.Routing;

/// <summary>
/// Ordinal equality of <see cref="Utf8Key"/>s, and of a key and a <c>ReadOnlySpan&lt;byte&gt;</c> for
/// alternate lookups (<c>GetAlternateLookup&lt;ReadOnlySpan&lt;byte&gt;&gt;</c>): a routed message looks its
/// target up with the bytes it decoded onto the stack, allocating nothing.
/// </summary>
public sealed class Utf8KeyComparer : IEqualityComparer<Utf8Key>, IAlternateEqualityComparer<ReadOnlySpan<byte>, Utf8Key>
{
    public static Utf8KeyComparer Instance { get; } = new();

    private Utf8KeyComparer()
    {
    }

    public bool Equals(Utf8Key x, Utf8Key y) => x.Span.SequenceEqual(y.Span);

    public int GetHashCode(Utf8Key key) => Hash(key.Span);

    public bool Equals(ReadOnlySpan<byte> alternate, Utf8Key other) => alternate.SequenceEqual(other.Span);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    /// <summary>A key of its own for an entry added by span (the registry adds with the session's array instead).</summary>
    public Utf8Key Create(ReadOnlySpan<byte> alternate) => new(alternate.ToArray());

    /// <summary>
    /// <see cref="HashCode"/> is seeded per process, so whoever chooses the looked-up bytes cannot aim
    /// them at one bucket; the keys stored are the broker's own random ids.
    /// </summary>
    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = default(HashCode);
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
