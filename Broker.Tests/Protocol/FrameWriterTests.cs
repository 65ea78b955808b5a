using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary><see cref="FrameWriter"/>: server frames (never masked) and client frames (masked) per RFC 6455 5.2.</summary>
public class FrameWriterTests
{
    private static byte[] Payload(int length) => Enumerable.Range(0, length).Select(i => (byte)('a' + i % 26)).ToArray();

    [TestCase(0, 2)]
    [TestCase(125, 2)]
    [TestCase(126, 4)]
    [TestCase(65535, 4)]
    [TestCase(65536, 10)]
    [TestCase(1_000_000, 10)]
    public void The_header_is_2_4_or_10_bytes_at_the_length_boundaries(int length, int headerLength)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteText(output, Payload(length));
        var frame = output.WrittenSpan;

        Assert.That(FrameWriter.HeaderLength(length), Is.EqualTo(headerLength));
        Assert.That(frame.Length, Is.EqualTo(headerLength + length));
        Assert.That(frame[0], Is.EqualTo(0x81), "FIN + text");
        switch (headerLength)
        {
            case 2:
                Assert.That(frame[1], Is.EqualTo(length));
                break;
            case 4:
                Assert.That(frame[1], Is.EqualTo(126));
                Assert.That(BinaryPrimitives.ReadUInt16BigEndian(frame[2..]), Is.EqualTo(length));
                break;
            default:
                Assert.That(frame[1], Is.EqualTo(127));
                Assert.That(BinaryPrimitives.ReadUInt64BigEndian(frame[2..]), Is.EqualTo((ulong)length));
                break;
        }

        Assert.That(frame[headerLength..].ToArray(), Is.EqualTo(Payload(length)), "the payload follows as it is");
    }

    [TestCase(0)]
    [TestCase(125)]
    [TestCase(126)]
    [TestCase(65535)]
    [TestCase(65536)]
    public void A_server_frame_is_never_masked_and_parses_back(int length)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteText(output, Payload(length));

        Assert.That(FrameHeader.TryParse(output.WrittenSpan, out var header, out var fault), Is.True);
        Assert.That(fault, Is.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(header.Masked, Is.False);
            Assert.That(output.WrittenSpan[1] & 0x80, Is.Zero, "MASK bit");
            Assert.That(header.Fin, Is.True);
            Assert.That(header.Reserved, Is.Zero);
            Assert.That(header.Opcode, Is.EqualTo(FrameOpcode.Text));
            Assert.That(header.PayloadLength, Is.EqualTo(length));
            Assert.That(header.HeaderLength, Is.EqualTo(FrameWriter.HeaderLength(length)));
        }
    }

    [Test]
    public void Ping_pong_and_text_have_their_opcodes()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WritePing(output, "p"u8);
        FrameWriter.WritePong(output, "q"u8);
        FrameWriter.WriteText(output, "t"u8);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(new byte[] { 0x89, 1, (byte)'p', 0x8A, 1, (byte)'q', 0x81, 1, (byte)'t' }));
    }

    [Test]
    public void A_non_final_frame_has_FIN_clear()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.Write(output, FrameOpcode.Text, "part"u8, fin: false);
        FrameWriter.Write(output, FrameOpcode.Continuation, "end"u8);

        Assert.That(output.WrittenSpan[0], Is.EqualTo(0x01));
        Assert.That(output.WrittenSpan[6], Is.EqualTo(0x80));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(125)]
    [TestCase(126)]
    [TestCase(1000)]
    [TestCase(65535)]
    [TestCase(65536)]
    public void A_masked_frame_sets_the_mask_bit_and_the_key_and_hides_the_payload(int length)
    {
        const uint mask = 0x11223344;
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteMasked(output, FrameOpcode.Text, Payload(length), mask);
        var frame = output.WrittenSpan.ToArray();
        var headerLength = FrameWriter.HeaderLength(length) + 4;

        Assert.That(frame, Has.Length.EqualTo(headerLength + length));
        Assert.That(FrameHeader.TryParse(frame, out var header, out _), Is.True);
        Assert.That(header.Masked, Is.True);
        Assert.That(header.MaskKey, Is.EqualTo(mask));
        Assert.That(frame.AsSpan(headerLength - 4, 4).ToArray(), Is.EqualTo(new byte[] { 0x44, 0x33, 0x22, 0x11 }), "key bytes in wire order");
        Assert.That(header.HeaderLength, Is.EqualTo(headerLength));
        if (length > 0)
        {
            Assert.That(frame[headerLength..], Is.Not.EqualTo(Payload(length)), "the payload is masked");
        }
    }

    [TestCase(0, 0x00000000u)]
    [TestCase(5, 0x9A3C51E7u)]
    [TestCase(125, 0xFFFFFFFFu)]
    [TestCase(126, 0x01020304u)]
    [TestCase(4097, 0xCAFEBABEu)]
    [TestCase(65535, 0x80000001u)]
    [TestCase(65536, 0x7F7F7F7Fu)]
    public void A_masked_frame_reads_back_through_MessageReader(int length, uint mask)
    {
        var text = string.Concat(Enumerable.Range(0, length).Select(i => (char)('A' + i % 26)));
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteMasked(output, FrameOpcode.Text, Encoding.UTF8.GetBytes(text), mask);

        var harness = MessageReaderHarness.ReadAll(output.WrittenSpan.ToArray());

        Assert.That(harness.Fault, Is.Null);
        Assert.That(harness.Messages, Is.EqualTo(new[] { Received.Text(text) }));
    }

    [Test]
    public void Masked_fragments_and_controls_read_back_through_MessageReader()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteMasked(output, FrameOpcode.Text, "one "u8, 1, fin: false);
        FrameWriter.WriteMasked(output, FrameOpcode.Ping, "ping"u8, 2);
        FrameWriter.WriteMasked(output, FrameOpcode.Continuation, "two"u8, 3);
        FrameWriter.WriteMasked(output, FrameOpcode.Close, ClientFrames.CloseBody(1000, "ok"u8), 4);

        var harness = MessageReaderHarness.ReadAll(output.WrittenSpan.ToArray());

        Assert.That(harness.Messages, Is.EqualTo(new[] { Received.Ping("ping"), Received.Text("one two"), Received.Close(ClientFrames.CloseBody(1000, "ok"u8)) }));
    }

    [Test]
    public void Frames_written_one_after_another_into_one_buffer_do_not_overlap()
    {
        var output = new ArrayBufferWriter<byte>(1);
        FrameWriter.WriteText(output, Payload(300));
        FrameWriter.WriteClose(output, CloseCode.NormalClosure);

        Assert.That(output.WrittenCount, Is.EqualTo(4 + 300 + 2 + 2));
        Assert.That(output.WrittenSpan[304..].ToArray(), Is.EqualTo(new byte[] { 0x88, 2, 0x03, 0xE8 }));
    }
}
