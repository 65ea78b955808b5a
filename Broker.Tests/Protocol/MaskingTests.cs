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

    [Test]
    public void ApplyInPlace_on_an_empty_sequence_does_nothing()
    {
        Assert.That(() => Masking.ApplyInPlace(ReadOnlySequence<byte>.Empty, 0x12345678), Throws.Nothing);
    }
}
