using System.Buffers;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary><see cref="FrameHeader.TryParse(in ReadOnlySequence{byte}, out FrameHeader, out ProtocolFault?)"/>: RFC 6455 5.2 header decoding.</summary>
public class FrameHeaderTests
{
    [TestCase(5, 6)]
    [TestCase(300, 8)]
    [TestCase(70000, 14)]
    public void A_header_needs_all_its_bytes_and_no_more(long payloadLength, int headerLength)
    {
        var header = ClientFrames.HeaderOnly(FrameOpcode.Text, payloadLength);
        Assert.That(header, Has.Length.EqualTo(headerLength));

        for (var length = 0; length < headerLength; length++)
        {
            Assert.That(FrameHeader.TryParse(new ReadOnlySequence<byte>(header, 0, length), out _, out var fault), Is.False, $"{length} bytes");
            Assert.That(fault, Is.Null);
        }

        Assert.That(FrameHeader.TryParse(new ReadOnlySequence<byte>(header), out var parsed, out _), Is.True);
        Assert.That(parsed.PayloadLength, Is.EqualTo(payloadLength));
        Assert.That(parsed.HeaderLength, Is.EqualTo(headerLength));
        Assert.That(parsed.MaskKey, Is.EqualTo(ClientFrames.DefaultMask));
    }

    [Test]
    public void A_header_split_across_segments_at_every_offset_decodes_the_same()
    {
        var header = ClientFrames.Concat(ClientFrames.HeaderOnly(FrameOpcode.Continuation, 70000, fin: false), [1, 2, 3]);
        for (var first = 0; first <= header.Length; first++)
        {
            for (var second = first; second <= header.Length; second++)
            {
                Assert.That(FrameHeader.TryParse(Sequences.SplitAt(header, first, second), out var parsed, out _), Is.True);
                Assert.That(parsed.PayloadLength, Is.EqualTo(70000), $"cuts {first}, {second}");
                Assert.That(parsed.Fin, Is.False);
                Assert.That(parsed.Opcode, Is.EqualTo(FrameOpcode.Continuation));
                Assert.That(parsed.MaskKey, Is.EqualTo(ClientFrames.DefaultMask));
            }
        }

        Assert.That(FrameHeader.TryParse(Sequences.OneByteSegments(header), out var oneByte, out _), Is.True);
        Assert.That(oneByte.PayloadLength, Is.EqualTo(70000));
    }

    [Test]
    public void Reserved_bits_and_opcode_are_reported_as_they_are()
    {
        Assert.That(FrameHeader.TryParse([0x5B, 0x80, 0, 0, 0, 0], out var header, out var fault), Is.True);

        Assert.That(fault, Is.Null, "validating bits and opcodes is the reader's job");
        Assert.That(header.Fin, Is.False);
        Assert.That(header.Reserved, Is.EqualTo(0b101));
        Assert.That((int)header.Opcode, Is.EqualTo(0xB));
        Assert.That(header.IsControl, Is.True);
    }

    [Test]
    public void The_most_significant_bit_of_a_64_bit_length_is_a_fault()
    {
        byte[] bytes = [0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1];

        Assert.That(FrameHeader.TryParse(bytes, out _, out var fault), Is.True);
        Assert.That(fault?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [Test]
    public void The_largest_legal_64_bit_length_is_decoded()
    {
        byte[] bytes = [0x81, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

        Assert.That(FrameHeader.TryParse(bytes, out var header, out var fault), Is.True);
        Assert.That(fault, Is.Null);
        Assert.That(header.PayloadLength, Is.EqualTo(long.MaxValue));
    }
}
