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
    /// <summary>
    /// Applies the mask to every byte of <paramref name="payload"/>, which must be writable memory.
    /// Returns true when every byte it wrote is ASCII (see <see cref="Apply"/>).
    /// </summary>
    public static bool ApplyInPlace(in ReadOnlySequence<byte> payload, uint maskKey)
    {
        var offset = 0;
        var ascii = true;
        foreach (var segment in payload)
        {
            var span = MemoryMarshal.AsMemory(segment).Span;
            ascii &= Apply(span, maskKey, offset);
            offset = (offset + span.Length) & 3;
        }

        return ascii;
    }

    /// <summary>
    /// XORs <paramref name="span"/> with <paramref name="maskKey"/> (the key's first wire byte in its
    /// lowest byte), starting at byte <paramref name="offset"/> (0..3) of the key. Returns true when
    /// every byte it wrote is ASCII (below 0x80): such text is valid UTF-8 as it is, so the frame
    /// reader can skip the UTF-8 check of a text message, which would read every byte a second time
    /// (the OR that tells costs one instruction per vector of a loop that is there anyway).
    /// </summary>
    public static bool Apply(Span<byte> span, uint maskKey, int offset = 0)
    {
        if (span.IsEmpty)
        {
            return true;
        }

        // Rotate so that the key lines up with span[0].
        var key = BitOperations.RotateRight(maskKey, offset * 8);
        var i = 0;
        var written = 0UL; // every word and byte written, ORed together: any 0x80 bit in it is a byte that is not ASCII
        if (Vector.IsHardwareAccelerated && span.Length >= Vector<byte>.Count)
        {
            var keyVector = new Vector<uint>(key).As<uint, byte>();
            var vectors = MemoryMarshal.Cast<byte, Vector<byte>>(span);
            var writtenVectors = Vector<byte>.Zero;
            for (var v = 0; v < vectors.Length; v++)
            {
                var unmasked = vectors[v] ^ keyVector;
                vectors[v] = unmasked;
                writtenVectors |= unmasked;
            }

            i = vectors.Length * Vector<byte>.Count;
            if (Vector.GreaterThanOrEqualAny(writtenVectors, new Vector<byte>(0x80)))
            {
                written = 0x80;
            }
        }

        var key64 = key | ((ulong)key << 32);
        var words = MemoryMarshal.Cast<byte, ulong>(span[i..]);
        for (var w = 0; w < words.Length; w++)
        {
            var unmasked = words[w] ^ key64;
            words[w] = unmasked;
            written |= unmasked;
        }

        i += words.Length * 8;
        for (; i < span.Length; i++)
        {
            var unmasked = (byte)(span[i] ^ (byte)(key >> (8 * (i & 3))));
            span[i] = unmasked;
            written |= unmasked;
        }

        return (written & 0x8080_8080_8080_8080UL) == 0;
    }
}
