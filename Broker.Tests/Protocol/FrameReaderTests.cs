using System.Buffers;
using System.Text;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary><see cref="MessageReader"/>: the frame rules of RFC 6455 section 5 and the limits of PROTOCOL.md 1.</summary>
public class FrameReaderTests
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    private static ProtocolFault FaultOf(byte[] bytes, int maxMessageBytes = 1 << 20)
    {
        var harness = MessageReaderHarness.ReadAll(bytes, maxMessageBytes);
        Assert.That(harness.Fault, Is.Not.Null, $"expected a fault; read {string.Join(", ", harness.Messages)}");
        return harness.Fault!.Value;
    }

    private static void AssertFault(byte[] bytes, CloseCode expected, int maxMessageBytes = 1 << 20)
    {
        var fault = FaultOf(bytes, maxMessageBytes);
        Assert.That(fault.Code, Is.EqualTo(expected), fault.Reason);
        Assert.That(fault.Reason, Is.Not.Empty);
    }

    private static List<Received> ReadAll(byte[] bytes, int maxMessageBytes = 1 << 20)
    {
        var harness = MessageReaderHarness.ReadAll(bytes, maxMessageBytes);
        Assert.That(harness.Fault, Is.Null, () => $"unexpected fault {harness.Fault}");
        Assert.That(harness.Unconsumed, Is.Zero, "every byte of complete frames is consumed");
        return harness.Messages;
    }

    [TestCase(0, 2)]
    [TestCase(1, 2)]
    [TestCase(125, 2)]
    [TestCase(126, 4)]
    [TestCase(1000, 4)]
    [TestCase(65535, 4)]
    [TestCase(65536, 10)]
    [TestCase(70000, 10)]
    public void Reads_a_text_frame_with_each_length_encoding(int length, int lengthFieldBytes)
    {
        var text = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + i % 26)));
        var frame = ClientFrames.Text(text);
        Assert.That(frame.Length, Is.EqualTo(lengthFieldBytes + 4 + length), "7-bit, 16-bit (126) or 64-bit (127) length");

        Assert.That(ReadAll(frame), Is.EqualTo(new[] { Received.Text(text) }));
    }

    [TestCase(0x00000000u)]
    [TestCase(0xFFFFFFFFu)]
    [TestCase(0x12345678u)]
    [TestCase(0x9A3C51E7u)]
    public void Unmasks_the_payload_with_the_frame_s_key(uint mask)
    {
        // Odd lengths cross the vector, word and byte paths of the unmasking loop.
        foreach (var length in new[] { 1, 3, 7, 8, 9, 31, 33, 63, 65, 127, 300 })
        {
            var payload = Enumerable.Range(0, length).Select(i => (byte)('A' + i % 50)).ToArray();
            var frame = ClientFrames.Frame(FrameOpcode.Text, payload, mask: mask);

            Assert.That(ReadAll(frame), Is.EqualTo(new[] { new Received(FrameOpcode.Text, Convert.ToHexString(payload)) }), $"length {length}");
        }
    }

    [Test]
    public void A_single_frame_message_is_a_slice_of_the_input_unmasked_in_place()
    {
        var frame = ClientFrames.Text("in place");
        var buffer = new ReadOnlySequence<byte>(frame);
        var reader = new MessageReader(1024);

        Assert.That(reader.TryRead(ref buffer, out var message, out _), Is.EqualTo(ReadStatus.Message));
        Assert.That(message.Opcode, Is.EqualTo(FrameOpcode.Text));
        Assert.That(message.Payload.FirstSpan.ToArray(), Is.EqualTo(Utf8("in place")));
        Assert.That(frame.AsSpan(6).ToArray(), Is.EqualTo(Utf8("in place")), "the payload was unmasked in the caller's buffer");
        Assert.That(buffer.Length, Is.Zero);
    }

    [Test]
    public void Reads_one_frame_per_call_and_leaves_the_next_in_the_buffer()
    {
        var second = ClientFrames.Text("second");
        var buffer = new ReadOnlySequence<byte>(ClientFrames.Concat(ClientFrames.Text("first"), second));
        var reader = new MessageReader(1024);

        Assert.That(reader.TryRead(ref buffer, out var message, out _), Is.EqualTo(ReadStatus.Message));
        Assert.That(message.Payload.ToArray(), Is.EqualTo(Utf8("first")));
        Assert.That(buffer.ToArray(), Is.EqualTo(second), "the second frame is untouched: still masked");
    }

    [Test]
    public void A_partial_frame_needs_more_data_and_is_not_consumed()
    {
        var frame = ClientFrames.Text("partial frame");
        var reader = new MessageReader(1024);
        for (var length = 0; length < frame.Length; length++)
        {
            var copy = (byte[])frame.Clone();
            var buffer = new ReadOnlySequence<byte>(copy, 0, length);

            Assert.That(reader.TryRead(ref buffer, out _, out _), Is.EqualTo(ReadStatus.NeedMoreData), $"{length} bytes");
            Assert.That(buffer.Length, Is.EqualTo(length));
            Assert.That(copy, Is.EqualTo(frame), "nothing is unmasked before the whole frame is there");
        }
    }

    [Test]
    public void An_empty_text_frame_is_an_empty_message()
    {
        Assert.That(ReadAll(ClientFrames.Text("")), Is.EqualTo(new[] { Received.Text("") }));
    }

    [Test]
    public void Ping_and_pong_come_out_with_their_payloads()
    {
        var messages = ReadAll(ClientFrames.Concat(ClientFrames.Ping("are you there"), ClientFrames.Pong("yes"), ClientFrames.Ping()));

        Assert.That(messages, Is.EqualTo(new[] { Received.Ping("are you there"), Received.Pong("yes"), Received.Ping() }));
    }

    [TestCase(FrameOpcode.Text)]
    [TestCase(FrameOpcode.Ping)]
    [TestCase(FrameOpcode.Pong)]
    [TestCase(FrameOpcode.Close)]
    [TestCase(FrameOpcode.Continuation)]
    public void An_unmasked_client_frame_is_a_protocol_error(FrameOpcode opcode)
    {
        AssertFault(ClientFrames.Unmasked(opcode, []), CloseCode.ProtocolError);
    }

    [TestCase(0x40, TestName = "RSV1 set is a protocol error")]
    [TestCase(0x20, TestName = "RSV2 set is a protocol error")]
    [TestCase(0x10, TestName = "RSV3 set is a protocol error")]
    [TestCase(0x70, TestName = "All RSV bits set is a protocol error")]
    public void A_reserved_bit_is_a_protocol_error(int bit)
    {
        AssertFault(ClientFrames.WithFirstByte(ClientFrames.Text("x"), (byte)(0x81 | bit)), CloseCode.ProtocolError);
    }

    [Test]
    public void A_reserved_bit_on_a_control_frame_is_a_protocol_error()
    {
        AssertFault(ClientFrames.WithFirstByte(ClientFrames.Ping("x"), 0x89 | 0x40), CloseCode.ProtocolError);
    }

    [TestCase(0x3)]
    [TestCase(0x4)]
    [TestCase(0x5)]
    [TestCase(0x6)]
    [TestCase(0x7)]
    [TestCase(0xB)]
    [TestCase(0xC)]
    [TestCase(0xD)]
    [TestCase(0xE)]
    [TestCase(0xF)]
    public void A_reserved_opcode_is_a_protocol_error(int opcode)
    {
        AssertFault(ClientFrames.WithFirstByte(ClientFrames.Text("x"), (byte)(0x80 | opcode)), CloseCode.ProtocolError);
    }

    [Test]
    public void A_binary_message_is_unsupported_data()
    {
        AssertFault(ClientFrames.Frame(FrameOpcode.Binary, [1, 2, 3]), CloseCode.UnsupportedData);
    }

    [Test]
    public void The_first_fragment_of_a_binary_message_is_unsupported_data()
    {
        AssertFault(ClientFrames.Frame(FrameOpcode.Binary, [1, 2, 3], fin: false), CloseCode.UnsupportedData);
    }

    [Test]
    public void The_binary_fault_is_decided_from_the_header_alone()
    {
        AssertFault(ClientFrames.HeaderOnly(FrameOpcode.Binary, 1000), CloseCode.UnsupportedData);
    }

    [Test]
    public void A_64_bit_length_with_its_most_significant_bit_set_is_a_protocol_error()
    {
        // FIN+text, MASK + 127, then 0x80000000_00000005: only the header has arrived.
        AssertFault(Hex("81 FF 80 00 00 00 00 00 00 05 01 02 03 04"), CloseCode.ProtocolError);
    }

    [TestCase(FrameOpcode.Ping)]
    [TestCase(FrameOpcode.Pong)]
    [TestCase(FrameOpcode.Close)]
    public void A_control_frame_longer_than_125_bytes_is_a_protocol_error(FrameOpcode opcode)
    {
        AssertFault(ClientFrames.HeaderOnly(opcode, 126), CloseCode.ProtocolError);
        AssertFault(ClientFrames.Frame(opcode, new byte[126]), CloseCode.ProtocolError);
    }

    [Test]
    public void A_control_frame_of_exactly_125_bytes_is_accepted()
    {
        var payload = new string('p', 125);

        Assert.That(ReadAll(ClientFrames.Ping(payload)), Is.EqualTo(new[] { Received.Ping(payload) }));
    }

    [TestCase(FrameOpcode.Ping)]
    [TestCase(FrameOpcode.Pong)]
    [TestCase(FrameOpcode.Close)]
    public void A_fragmented_control_frame_is_a_protocol_error(FrameOpcode opcode)
    {
        AssertFault(ClientFrames.Frame(opcode, [], fin: false), CloseCode.ProtocolError);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_continuation_without_a_message_to_continue_is_a_protocol_error(bool fin)
    {
        AssertFault(ClientFrames.Continuation("orphan", fin), CloseCode.ProtocolError);
    }

    [Test]
    public void A_continuation_after_a_finished_fragmented_message_is_a_protocol_error()
    {
        var harness = MessageReaderHarness.ReadAll(ClientFrames.Concat(
            ClientFrames.Text("a", fin: false), ClientFrames.Continuation("b", fin: true), ClientFrames.Continuation("c", fin: true)));

        Assert.That(harness.Messages, Is.EqualTo(new[] { Received.Text("ab") }));
        Assert.That(harness.Fault?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_new_text_frame_inside_a_fragmented_message_is_a_protocol_error(bool fin)
    {
        AssertFault(ClientFrames.Concat(ClientFrames.Text("start", fin: false), ClientFrames.Text("again", fin)), CloseCode.ProtocolError);
    }

    [Test]
    public void A_binary_frame_inside_a_fragmented_message_is_a_protocol_error()
    {
        AssertFault(ClientFrames.Concat(ClientFrames.Text("start", fin: false), ClientFrames.Frame(FrameOpcode.Binary, [1])), CloseCode.ProtocolError);
    }

    [Test]
    public void A_fragmented_message_is_reassembled()
    {
        var messages = ReadAll(ClientFrames.Concat(
            ClientFrames.Text("Hel", fin: false),
            ClientFrames.Continuation("lo, ", fin: false),
            ClientFrames.Continuation("", fin: false),
            ClientFrames.Continuation("world", fin: true)));

        Assert.That(messages, Is.EqualTo(new[] { Received.Text("Hello, world") }));
    }

    [Test]
    public void Control_frames_between_fragments_come_out_in_order_before_the_whole_message()
    {
        var messages = ReadAll(ClientFrames.Concat(
            ClientFrames.Text("{\"op\":", fin: false),
            ClientFrames.Ping("p1"),
            ClientFrames.Continuation("3,", fin: false),
            ClientFrames.Pong("p2"),
            ClientFrames.Ping("p3"),
            ClientFrames.Continuation("\"id\":1}", fin: true),
            ClientFrames.Text("next")));

        Assert.That(messages, Is.EqualTo(new[]
        {
            Received.Ping("p1"), Received.Pong("p2"), Received.Ping("p3"), Received.Text("{\"op\":3,\"id\":1}"), Received.Text("next"),
        }));
    }

    [Test]
    public void A_close_frame_between_fragments_comes_out_at_once()
    {
        var messages = MessageReaderHarness.ReadAll(ClientFrames.Concat(ClientFrames.Text("half", fin: false), ClientFrames.Close(1000))).Messages;

        Assert.That(messages, Is.EqualTo(new[] { Received.Close(ClientFrames.CloseBody(1000, [])) }));
    }

    [Test]
    public void Fragmented_messages_in_a_row_do_not_leak_bytes_into_each_other()
    {
        var big = new string('x', 100_000);
        var messages = ReadAll(ClientFrames.Concat(
            ClientFrames.Text(big[..60_000], fin: false),
            ClientFrames.Continuation(big[60_000..], fin: true),
            ClientFrames.Text("a", fin: false),
            ClientFrames.Continuation("b", fin: true),
            ClientFrames.Text("long message", fin: false),
            ClientFrames.Continuation("!", fin: true),
            ClientFrames.Text("c", fin: false),
            ClientFrames.Continuation("", fin: true)));

        Assert.That(messages, Is.EqualTo(new[] { Received.Text(big), Received.Text("ab"), Received.Text("long message!"), Received.Text("c") }));
    }

    [Test]
    public void Reset_forgets_an_open_fragmented_message_so_the_reader_can_serve_another_connection()
    {
        var reader = new MessageReader(1 << 20);
        var buffer = new ReadOnlySequence<byte>(ClientFrames.Text("half of \u00e9"u8.ToArray()[..9], fin: false));
        Assert.That(reader.TryRead(ref buffer, out _, out _), Is.EqualTo(ReadStatus.NeedMoreData));
        Assert.That(reader.IsInMessage, Is.True);

        reader.Reset();

        Assert.That(reader.IsInMessage, Is.False);
        buffer = new ReadOnlySequence<byte>(ClientFrames.Concat(ClientFrames.Text("new", fin: false), ClientFrames.Continuation("!", fin: true)));
        Assert.That(reader.TryRead(ref buffer, out var message, out _), Is.EqualTo(ReadStatus.Message));
        Assert.That(Encoding.UTF8.GetString(message.Payload.ToArray()), Is.EqualTo("new!"), "nothing of the forgotten message leaks in");
        Assert.That(reader.IsInMessage, Is.False);

        // And a continuation now has no message to continue.
        buffer = new ReadOnlySequence<byte>(ClientFrames.Continuation("x", fin: true));
        Assert.That(reader.TryRead(ref buffer, out _, out var fault), Is.EqualTo(ReadStatus.Fault));
        Assert.That(fault.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    [TestCase("80", TestName = "A lone continuation byte is invalid UTF-8")]
    [TestCase("C0 AF", TestName = "An overlong 2-byte encoding is invalid UTF-8")]
    [TestCase("E0 80 AF", TestName = "An overlong 3-byte encoding is invalid UTF-8")]
    [TestCase("ED A0 80", TestName = "A UTF-16 surrogate is invalid UTF-8")]
    [TestCase("F4 90 80 80", TestName = "A code point above U+10FFFF is invalid UTF-8")]
    [TestCase("F5 80 80 80", TestName = "Lead byte F5 is invalid UTF-8")]
    [TestCase("FF", TestName = "Byte FF is invalid UTF-8")]
    [TestCase("68 65 6C 6C 6F E2 82", TestName = "A message ending inside a code point is invalid UTF-8")]
    [TestCase("CE 41", TestName = "A lead byte followed by ASCII is invalid UTF-8")]
    public void Invalid_UTF8_in_a_single_frame_is_invalid_payload_data(string hex)
    {
        AssertFault(ClientFrames.Text(Hex(hex)), CloseCode.InvalidPayloadData);
    }

    [TestCase("CE", "41", TestName = "A lead byte completed by ASCII in the next fragment is invalid")]
    [TestCase("E2 82", "41", TestName = "Two bytes of three completed by ASCII is invalid")]
    [TestCase("ED", "A0 80", TestName = "A surrogate split across fragments is invalid")]
    [TestCase("F4", "90 80 80", TestName = "Above U+10FFFF split after the lead is invalid")]
    [TestCase("E0", "80 AF", TestName = "An overlong split after the lead is invalid")]
    [TestCase("41", "80", TestName = "A continuation byte starting a fragment is invalid")]
    [TestCase("68 69", "E2 82", TestName = "The last fragment ending inside a code point is invalid")]
    [TestCase("F0 9F", "98", TestName = "A message ending with three of four bytes is invalid")]
    public void Invalid_UTF8_across_fragments_is_invalid_payload_data(string first, string last)
    {
        AssertFault(ClientFrames.Concat(ClientFrames.Text(Hex(first), fin: false), ClientFrames.Continuation(Hex(last), fin: true)),
            CloseCode.InvalidPayloadData);
    }

    [Test]
    public void Invalid_UTF8_is_reported_at_the_fragment_that_makes_it_invalid_without_waiting_for_the_end()
    {
        // The fragment that breaks the text arrives; the message's final fragment never does.
        var harness = MessageReaderHarness.ReadAll(ClientFrames.Concat(
            ClientFrames.Text(Hex("68 E2"), fin: false), ClientFrames.Continuation(Hex("41"), fin: false)));

        Assert.That(harness.Fault?.Code, Is.EqualTo(CloseCode.InvalidPayloadData));
    }

    [TestCase("€", 1)]
    [TestCase("€", 2)]
    [TestCase("😀", 1)]
    [TestCase("😀", 2)]
    [TestCase("😀", 3)]
    [TestCase("é", 1)]
    [TestCase("日本", 4)]
    public void Valid_multi_byte_UTF8_split_across_fragments_is_accepted(string text, int cut)
    {
        var bytes = Utf8("a" + text + "z");
        cut += 1;

        var messages = ReadAll(ClientFrames.Concat(ClientFrames.Text(bytes[..cut], fin: false), ClientFrames.Continuation(bytes[cut..], fin: true)));

        Assert.That(messages, Is.EqualTo(new[] { Received.Text("a" + text + "z") }));
    }

    [Test]
    public void A_four_byte_code_point_split_one_byte_per_fragment_is_accepted()
    {
        var bytes = Utf8("😀");
        var messages = ReadAll(ClientFrames.Concat(
            ClientFrames.Text(bytes[..1], fin: false),
            ClientFrames.Continuation(bytes[1..2], fin: false),
            ClientFrames.Ping(),
            ClientFrames.Continuation(bytes[2..3], fin: false),
            ClientFrames.Continuation(bytes[3..], fin: true)));

        Assert.That(messages, Is.EqualTo(new[] { Received.Ping(), Received.Text("😀") }));
    }

    [Test]
    public void A_text_frame_announcing_more_than_the_limit_is_too_big_before_its_payload_arrives()
    {
        var harness = new MessageReaderHarness(maxMessageBytes: 100);
        harness.Arrive(ClientFrames.HeaderOnly(FrameOpcode.Text, 101));

        Assert.That(harness.Fault?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [TestCase(1L << 20)]
    [TestCase(1L << 40)]
    [TestCase(long.MaxValue)]
    public void A_huge_announced_length_is_too_big_from_the_header_alone(long length)
    {
        AssertFault(ClientFrames.HeaderOnly(FrameOpcode.Text, length), CloseCode.MessageTooBig, maxMessageBytes: 1000);
        AssertFault(ClientFrames.HeaderOnly(FrameOpcode.Text, length, fin: false), CloseCode.MessageTooBig, maxMessageBytes: 1000);
    }

    [Test]
    public void A_message_of_exactly_the_limit_is_accepted()
    {
        var text = new string('m', 100);

        Assert.That(ReadAll(ClientFrames.Text(text), maxMessageBytes: 100), Is.EqualTo(new[] { Received.Text(text) }));
    }

    [Test]
    public void A_fragmented_message_crossing_the_limit_is_too_big_at_the_crossing_fragment_s_header()
    {
        var harness = new MessageReaderHarness(maxMessageBytes: 100);
        harness.Arrive(ClientFrames.Concat(ClientFrames.Text(new string('a', 40), fin: false), ClientFrames.Continuation(new string('b', 40), fin: false)));
        Assert.That(harness.Fault, Is.Null);

        harness.Arrive(ClientFrames.HeaderOnly(FrameOpcode.Continuation, 21, fin: true));

        Assert.That(harness.Fault?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void A_fragmented_message_of_exactly_the_limit_is_accepted()
    {
        var messages = ReadAll(ClientFrames.Concat(
            ClientFrames.Text(new string('a', 40), fin: false),
            ClientFrames.Ping(new string('p', 125)),
            ClientFrames.Continuation(new string('b', 40), fin: false),
            ClientFrames.Continuation(new string('c', 20), fin: true)), maxMessageBytes: 100);

        Assert.That(messages, Is.EqualTo(new[] { Received.Ping(new string('p', 125)), Received.Text(new string('a', 40) + new string('b', 40) + new string('c', 20)) }));
    }

    [Test]
    public void A_continuation_announcing_an_enormous_length_after_some_bytes_is_too_big()
    {
        // 1 byte already assembled + 2^63-1 announced must not wrap around to a small number.
        var harness = new MessageReaderHarness(maxMessageBytes: 1000);
        harness.Arrive(ClientFrames.Text("a", fin: false));
        harness.Arrive(ClientFrames.HeaderOnly(FrameOpcode.Continuation, long.MaxValue, fin: true));

        Assert.That(harness.Fault?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [Test]
    public void A_control_frame_of_125_bytes_is_accepted_even_when_the_message_limit_is_smaller()
    {
        // Control frames are bounded by RFC 6455 (125 bytes), not by the message limit.
        var payload = new string('p', 125);

        Assert.That(ReadAll(ClientFrames.Ping(payload), maxMessageBytes: 16), Is.EqualTo(new[] { Received.Ping(payload) }));
    }

    [Test]
    public void The_limit_must_be_positive()
    {
        Assert.That(() => new MessageReader(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new MessageReader(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(new MessageReader(5).MaxMessageBytes, Is.EqualTo(5));
    }

    /// <summary>
    /// <see cref="MessageReader.TryReadText"/> takes only a whole, valid, unfragmented text frame; it
    /// declines everything else with the bytes exactly as they came, so that
    /// <see cref="MessageReader.TryRead"/> reads them (an unmasked or twice-unmasked payload would read
    /// as different text, or as a different fault).
    /// </summary>
    [Test]
    public void The_text_fast_path_declines_anything_but_a_whole_valid_text_frame_and_leaves_its_bytes_alone()
    {
        var whole = ClientFrames.Text("{\"op\":3}");
        var declined = new Dictionary<string, byte[]>
        {
            ["invalid UTF-8"] = ClientFrames.Text([0x7B, 0xC3, 0x28, 0x7D]),
            ["a partial frame"] = whole[..^1],
            ["a header alone"] = whole[..2],
            ["a ping"] = ClientFrames.Ping("x"),
            ["a close"] = ClientFrames.Close(1000),
            ["a first fragment"] = ClientFrames.Text("{\"op\"", fin: false),
            ["a continuation"] = ClientFrames.Continuation(":3}", fin: true),
            ["a binary frame"] = ClientFrames.Frame(FrameOpcode.Binary, Utf8("{}")),
            ["an unmasked frame"] = Hex("81 02 7B 7D"),
            ["a reserved bit"] = [(byte)(whole[0] | 0x40), .. whole[1..]],
            ["over the limit"] = ClientFrames.Text(new string('x', 65)),
        };

        foreach (var (name, frame) in declined)
        {
            var reader = new MessageReader(maxMessageBytes: 64);
            var bytes = (byte[])frame.Clone();
            Assert.That(reader.TryReadText(bytes, out var length, out _), Is.False, name);
            Assert.That(length, Is.Zero, name);
            Assert.That(bytes, Is.EqualTo(frame), $"{name}: the bytes as they came");
        }

        var open = new MessageReader(maxMessageBytes: 64);
        var fragmentStart = new ReadOnlySequence<byte>(ClientFrames.Text("{\"op\"", fin: false));
        Assert.That(open.TryRead(ref fragmentStart, out _, out _), Is.EqualTo(ReadStatus.NeedMoreData), "the first fragment is held");
        var during = (byte[])whole.Clone();
        Assert.That(open.TryReadText(during, out _, out _), Is.False, "a new message inside a fragmented one");
        Assert.That(during, Is.EqualTo(whole), "the bytes as they came");

        var taken = new MessageReader(maxMessageBytes: 64);
        var twoFrames = (byte[])[.. whole, .. ClientFrames.Ping()];
        Assert.That(taken.TryReadText(twoFrames, out var frameLength, out var payload), Is.True);
        Assert.That(frameLength, Is.EqualTo(whole.Length));
        Assert.That(Encoding.UTF8.GetString(payload), Is.EqualTo("{\"op\":3}"));
    }
}
