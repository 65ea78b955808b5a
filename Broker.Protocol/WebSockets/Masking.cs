using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MasterSocket.Protocol.WebSockets;

/// <summary>
/// XOR masking (RFC 6455 section 5.3). Unmasking is done in place, in the pipe's own buffer, so the
/// payload is never copied on the way in: a frame is unmasked only once all of it has arrived and it
/// is about to be consumed, so the same bytes are never unmasked twice.
/// </summary>
public static class Masking
{
    /// <summary>Applies the mask to every byte of <paramref name="payload"/>, which must be writable memory.</summary>
    public static void ApplyInPlace(in ReadOnlySequence<byte> payload, uint maskKey)
    {
        var offset = 0;
        foreach (var segment in payload)
        {
            var span = MemoryMarshal.AsMemory(segment).Span;
            Apply(span, maskKey, offset);
            offset = (offset + span.Length) & 3;
        }
    }

    /// <summary>
    /// XORs <paramref name="span"/> with <paramref name="maskKey"/> (the key's first wire byte in its
    /// lowest byte), starting at byte <paramref name="offset"/> (0..3) of the key.
    /// </summary>
    public static void Apply(Span<byte> span, uint maskKey, int offset = 0)
    {
        if (span.IsEmpty)
        {
            return;
        }

        // Rotate so that the key lines up with span[0].
        var key = BitOperations.RotateRight(maskKey, offset * 8);
        var i = 0;
        if (Vector.IsHardwareAccelerated && span.Length >= Vector<byte>.Count)
        {
            var keyVector = new Vector<uint>(key).As<uint, byte>();
            var vectors = MemoryMarshal.Cast<byte, Vector<byte>>(span);
            for (var v = 0; v < vectors.Length; v++)
            {
                vectors[v] ^= keyVector;
            }

            i = vectors.Length * Vector<byte>.Count;
        }

        var key64 = key | ((ulong)key << 32);
        var words = MemoryMarshal.Cast<byte, ulong>(span[i..]);
        for (var w = 0; w < words.Length; w++)
        {
            words[w] ^= key64;
        }

        i += words.Length * 8;
        for (; i < span.Length; i++)
        {
            span[i] ^= (byte)(key >> (8 * (i & 3)));
        }
    }
}
