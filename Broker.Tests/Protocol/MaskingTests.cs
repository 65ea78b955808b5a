using System.Buffers;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary><see cref="Masking"/>: the XOR of RFC 6455 section 5.3, checked against the byte-by-byte definition.</summary>
public class MaskingTests
{
    /// <summary>RFC 6455 5.3: transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4).</summary>
    private static byte[] Reference(byte[] data, uint maskKey, int offset)
    {
        var result = (byte[])data.Clone();
        for (var i = 0; i < result.Length; i++)
        {
            result[i] ^= (byte)(maskKey >> (8 * ((i + offset) & 3)));
        }

        return result;
    }

    private static byte[] Data(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 37 + 11)).ToArray();

    [Test]
    public void Apply_matches_the_definition_for_every_length_and_key_offset()
    {
        const uint key = 0xA1B2C3D4;
        for (var length = 0; length <= 130; length++)
        {
            for (var offset = 0; offset < 4; offset++)
            {
                var data = Data(length);
                var expected = Reference(data, key, offset);

                Masking.Apply(data, key, offset);

                Assert.That(data, Is.EqualTo(expected), $"length {length}, offset {offset}");
            }
        }
    }

    [Test]
    public void Apply_works_on_unaligned_spans()
    {
        const uint key = 0x01020304;
        var backing = Data(200);
        for (var start = 0; start < 9; start++)
        {
            var copy = (byte[])backing.Clone();
            var expected = Reference(backing[start..(start + 150)], key, 0);

            Masking.Apply(copy.AsSpan(start, 150), key);

            Assert.That(copy[start..(start + 150)], Is.EqualTo(expected), $"start {start}");
            Assert.That(copy[..start], Is.EqualTo(backing[..start]), "bytes before the span are untouched");
            Assert.That(copy[(start + 150)..], Is.EqualTo(backing[(start + 150)..]), "bytes after the span are untouched");
        }
    }

    [Test]
    public void Masking_twice_gives_the_original_back()
    {
        var data = Data(77);

        Masking.Apply(data, 0xDEADBEEF);
        Masking.Apply(data, 0xDEADBEEF);

        Assert.That(data, Is.EqualTo(Data(77)));
    }

    [Test]
    public void The_key_keeps_its_phase_across_segments_of_any_size()
    {
        const uint key = 0x9A3C51E7;
        var random = new Random(53);
        for (var run = 0; run < 200; run++)
        {
            var data = Data(random.Next(0, 100));
            var expected = Reference(data, key, 0);
            var sequence = Sequences.SplitAt(data, Sequences.RandomOffsets(random, data.Length, 6));

            Masking.ApplyInPlace(sequence, key);

            Assert.That(data, Is.EqualTo(expected), $"run {run}");
        }
    }

    /// <summary>
    /// The frame reader skips the UTF-8 check when unmasking says "all ASCII": one byte of 0x80 or
    /// more anywhere (in the vectors, the 8-byte words or the last bytes, of any segment) must say no.
    /// </summary>
    [Test]
    public void Unmasking_tells_whether_every_byte_it_wrote_is_ASCII()
    {
        const uint key = 0xC3A17F05; // key bytes with and without the high bit
        for (var length = 0; length <= 130; length++)
        {
            var text = Enumerable.Range(0, length).Select(i => (byte)(0x20 + (i % 95))).ToArray();
            for (var offset = 0; offset < 4; offset++)
            {
                var masked = Reference(text, key, offset);
                Assert.That(Masking.Apply(masked, key, offset), Is.True, $"ASCII, length {length}, offset {offset}");
            }

            for (var at = 0; at < length; at++)
            {
                foreach (var high in new byte[] { 0x80, 0xC3, 0xFF })
                {
                    var withHigh = (byte[])text.Clone();
                    withHigh[at] = high;
                    var masked = Reference(withHigh, key, 0);
                    Assert.That(Masking.Apply(masked, key), Is.False, $"0x{high:X2} at {at} of {length}");
                }
            }
        }
    }

    [Test]
    public void Unmasking_in_segments_tells_whether_every_segment_is_ASCII()
    {
        const uint key = 0x9A3C51E7;
        var random = new Random(71);
        for (var run = 0; run < 300; run++)
        {
            var text = Enumerable.Range(0, random.Next(1, 100)).Select(_ => (byte)random.Next(0x20, 0x7F)).ToArray();
            var high = run % 2 == 1;
            if (high)
            {
                text[random.Next(text.Length)] = (byte)random.Next(0x80, 0x100);
            }

            var masked = Reference(text, key, 0);
            var sequence = Sequences.SplitAt(masked, Sequences.RandomOffsets(random, masked.Length, 6));

            Assert.That(Masking.ApplyInPlace(sequence, key), Is.EqualTo(!high), $"run {run}");
            Assert.That(masked, Is.EqualTo(text), $"run {run}: unmasked");
        }
    }

    [Test]
    public void ApplyInPlace_on_an_empty_sequence_does_nothing()
    {
        Assert.That(() => Masking.ApplyInPlace(ReadOnlySequence<byte>.Empty, 0x12345678), Throws.Nothing);
    }
}
