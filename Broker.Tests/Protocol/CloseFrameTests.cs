using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary>Close frames: the body rules of RFC 6455 sections 5.5.1 and 7.4, read and written.</summary>
public class CloseFrameTests
{
    private static MessageReaderHarness Read(byte[] body) =>
        MessageReaderHarness.ReadAll(ClientFrames.Frame(FrameOpcode.Close, body));

    private static WebSocketMessage ReadOne(byte[] frame)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        var status = new MessageReader(1024).TryRead(ref buffer, out var message, out var fault);
        Assert.That(status, Is.EqualTo(ReadStatus.Message), () => fault.Reason);
        return message;
    }

    [Test]
    public void An_empty_close_body_is_accepted_and_reads_as_no_status_received()
    {
        var message = ReadOne(ClientFrames.Frame(FrameOpcode.Close, []));

        Assert.That(message.Opcode, Is.EqualTo(FrameOpcode.Close));
        Assert.That(message.CloseStatus, Is.EqualTo((ushort)CloseCode.NoStatusReceived));
        Assert.That(message.CloseReason.IsEmpty, Is.True);
    }

    [Test]
    public void A_close_body_of_one_byte_is_a_protocol_error()
    {
        Assert.That(Read([0x03]).Fault?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(0)]
    [TestCase(999)]
    [TestCase(1004)]
    [TestCase(1005)]
    [TestCase(1006)]
    [TestCase(1015)]
    [TestCase(1016)]
    [TestCase(2000)]
    [TestCase(2999)]
    [TestCase(5000)]
    [TestCase(65535)]
    public void An_invalid_close_code_is_a_protocol_error(int code)
    {
        var harness = Read(ClientFrames.CloseBody((ushort)code, []));

        Assert.That(harness.Fault?.Code, Is.EqualTo(CloseCode.ProtocolError));
        Assert.That(CloseCodes.IsValidOnWire((ushort)code), Is.False);
    }

    [TestCase(1000)]
    [TestCase(1001)]
    [TestCase(1002)]
    [TestCase(1003)]
    [TestCase(1007)]
    [TestCase(1008)]
    [TestCase(1009)]
    [TestCase(1010)]
    [TestCase(1011)]
    [TestCase(1012)]
    [TestCase(1014)]
    [TestCase(3000)]
    [TestCase(4000)]
    [TestCase(4001)]
    [TestCase(4999)]
    public void A_valid_close_code_is_accepted_with_its_reason(int code)
    {
        var message = ReadOne(ClientFrames.Close((ushort)code, "done ✓"));

        Assert.That(message.CloseStatus, Is.EqualTo(code));
        Assert.That(Encoding.UTF8.GetString(message.CloseReason.ToArray()), Is.EqualTo("done ✓"));
        Assert.That(CloseCodes.IsValidOnWire((ushort)code), Is.True);
    }

    [Test]
    public void A_valid_code_without_a_reason_has_an_empty_reason()
    {
        var message = ReadOne(ClientFrames.Close(1000));

        Assert.That(message.CloseStatus, Is.EqualTo(1000));
        Assert.That(message.CloseReason.IsEmpty, Is.True);
    }

    [TestCase("FF")]
    [TestCase("C0 80")]
    [TestCase("ED A0 80")]
    [TestCase("61 E2 82")]
    public void A_close_reason_that_is_not_UTF8_is_invalid_payload_data(string hex)
    {
        var body = ClientFrames.CloseBody(1000, Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)));

        Assert.That(Read(body).Fault?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [Test]
    public void A_close_reason_of_the_full_123_bytes_is_accepted()
    {
        var reason = new string('r', 123);
        var message = ReadOne(ClientFrames.Close(1001, reason));

        Assert.That(message.CloseReason.Length, Is.EqualTo(123));
    }

    [Test]
    public void Status_and_reason_read_across_segment_breaks()
    {
        var frame = ClientFrames.Close(4001, "nope");
        for (var cut = 0; cut <= frame.Length; cut++)
        {
            var buffer = Sequences.SplitAt((byte[])frame.Clone(), cut);
            var status = new MessageReader(1024).TryRead(ref buffer, out var message, out _);

            Assert.That(status, Is.EqualTo(ReadStatus.Message), $"cut at {cut}");
            Assert.That(message.CloseStatus, Is.EqualTo(4001), $"cut at {cut}");
            Assert.That(Encoding.UTF8.GetString(message.CloseReason.ToArray()), Is.EqualTo("nope"));
        }
    }

    [Test]
    public void Messages_other_than_close_have_no_status_and_no_reason()
    {
        var message = ReadOne(ClientFrames.Text("hi"));

        Assert.That(message.CloseStatus, Is.EqualTo((ushort)CloseCode.NoStatusReceived));
        Assert.That(message.CloseReason.IsEmpty, Is.True);
    }

    [TestCase(CloseCode.NormalClosure, "bye")]
    [TestCase(CloseCode.ProtocolError, "client frames must be masked")]
    [TestCase(CloseCode.MessageTooBig, "")]
    [TestCase(CloseCode.AuthFailed, "bad token")]
    [TestCase(CloseCode.GoingAway, "draining")]
    public void A_close_frame_written_by_the_server_carries_the_code_and_reason(CloseCode code, string reason)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteClose(output, code, Encoding.UTF8.GetBytes(reason));
        var frame = output.WrittenSpan.ToArray();

        Assert.That(FrameHeader.TryParse(frame, out var header, out _), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(header.Opcode, Is.EqualTo(FrameOpcode.Close));
            Assert.That(header.Fin, Is.True);
            Assert.That(header.Masked, Is.False);
            Assert.That(header.PayloadLength, Is.EqualTo(2 + Encoding.UTF8.GetByteCount(reason)));
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2)), Is.EqualTo((ushort)code));
            Assert.That(Encoding.UTF8.GetString(frame.AsSpan(4)), Is.EqualTo(reason));
        }
    }

    [Test]
    public void Writing_no_status_received_gives_an_empty_close_body()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteClose(output, CloseCode.NoStatusReceived, "ignored"u8);

        Assert.That(output.WrittenSpan.ToArray(), Is.EqualTo(new byte[] { 0x88, 0x00 }));
    }

    [Test]
    public void A_long_ASCII_reason_is_cut_to_123_bytes()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteClose(output, CloseCode.NormalClosure, Encoding.ASCII.GetBytes(new string('x', 300)));

        Assert.That(output.WrittenCount, Is.EqualTo(2 + 125));
        Assert.That(output.WrittenSpan[1], Is.EqualTo(125));
        Assert.That(output.WrittenSpan[4..].ToArray(), Is.EqualTo(Encoding.ASCII.GetBytes(new string('x', 123))));
    }

    [TestCase("a", "€", 121, TestName = "A reason of 3-byte characters is cut before the one that crosses 123 bytes")]
    [TestCase("", "😀", 120, TestName = "A reason of 4-byte characters is cut before the one that crosses 123 bytes")]
    [TestCase("abc", "😀", 123, TestName = "A reason whose characters end exactly at 123 bytes keeps them all")]
    [TestCase("", "é", 122, TestName = "A reason of 2-byte characters is cut before the one that crosses 123 bytes")]
    public void A_long_UTF8_reason_is_cut_on_a_code_point_boundary(string prefix, string repeated, int expectedBytes)
    {
        var reason = prefix + string.Concat(Enumerable.Repeat(repeated, 80));
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteClose(output, CloseCode.GoingAway, Encoding.UTF8.GetBytes(reason));
        var written = output.WrittenSpan[4..].ToArray();

        Assert.That(written, Has.Length.EqualTo(expectedBytes));
        Assert.That(System.Text.Unicode.Utf8.IsValid(written), Is.True);
        Assert.That(reason, Does.StartWith(Encoding.UTF8.GetString(written)));
    }

    [Test]
    public void A_server_close_frame_masked_by_a_client_reads_back()
    {
        var body = ClientFrames.CloseBody(1000, "bye ✓"u8);
        var message = ReadOne(ClientFrames.Frame(FrameOpcode.Close, body));

        Assert.That(message.CloseStatus, Is.EqualTo(1000));
        Assert.That(Encoding.UTF8.GetString(message.CloseReason.ToArray()), Is.EqualTo("bye ✓"));
    }
}
