using System.Buffers;
using System.Text;
using System.Text.Json;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Tests.Protocol;

/// <summary><see cref="EnvelopeWriter"/> and <see cref="BrokerMessages"/>: the frames the broker sends (PROTOCOL.md 4 and 5).</summary>
public class EnvelopeWriterTests
{
    /// <summary>
    /// Checks the server frame's header without MessageReader (which only takes masked client frames)
    /// and returns its payload.
    /// </summary>
    private static byte[] PayloadOf(ArrayBufferWriter<byte> output, int returnedLength)
    {
        var frame = output.WrittenSpan;
        Assert.That(returnedLength, Is.EqualTo(frame.Length), "the returned length is what was written");
        Assert.That(FrameHeader.TryParse(frame, out var header, out var fault), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fault, Is.Null);
            Assert.That(header.Fin, Is.True);
            Assert.That(header.Opcode, Is.EqualTo(FrameOpcode.Text));
            Assert.That(header.Masked, Is.False, "server frames are never masked");
            Assert.That(header.Reserved, Is.Zero);
            Assert.That(header.HeaderLength, Is.EqualTo(FrameWriter.HeaderLength(header.PayloadLength)));
            Assert.That(header.HeaderLength + header.PayloadLength, Is.EqualTo(frame.Length), "the header's length is the payload's");
        }

        return frame[header.HeaderLength..].ToArray();
    }

    private static JsonElement Json(byte[] payload) => JsonDocument.Parse(payload).RootElement.Clone();

    private static (Envelope Envelope, byte[] Message) Read(byte[] message)
    {
        Assert.That(EnvelopeReader.TryRead(message, out var envelope, out var error), Is.True, () => $"{error.Code}: {error.Message}");
        return (envelope, message);
    }

    private static string Raw(ByteRange range, byte[] message) => Encoding.UTF8.GetString(range.Of(message));

    [TestCase("""{"id":"70653cb0-5f6d-41fe-acbf-ea8f37a73034","op":0,"event":"INFO","data":{},"intent":{"target":"GROUP","identifier":"damon"}}""")]
    [TestCase("""{"op":0,"event":"E"}""")]
    [TestCase("""{"op":0,"event":"E","intent":{"target":"GLOBAL","identifier":null}}""")]
    [TestCase("""{"id":42,"op":5,"data":[1,2,3],"intent":{"target":"DIRECT","identifier":"c-1"}}""")]
    [TestCase("""{"id":"a\"b","op":5,"event":"DO\u004eE","data":"x","intent":{"target":"DIRECT","identifier":"c\u002d1"}}""")]
    [TestCase("""{"from":"admin","op":0,"event":"E","data":{"from":"kept inside data"}}""")]
    [TestCase("""{"op":0,"event":"E","data":{"from":"x"},"from":{"forged":true},"intent":{"target":"GROUP","identifier":"g","from":"y"}}""")]
    [TestCase("""{"op":0,"event":"日本","data":{"text":"😀 é €","n":-1.5e10,"t":true,"f":false,"z":null},"intent":{"target":"GROUP","identifier":"グループ"}}""")]
    [TestCase(" { \"op\" : 0 , \"event\" : \"E\" , \"data\" : { \"a\" : [ 1 , 2 ] } } ")]
    public void A_delivered_message_reads_back_with_the_same_fields_and_the_stamped_from(string json)
    {
        var (original, message) = Read(Encoding.UTF8.GetBytes(json));
        var output = new ArrayBufferWriter<byte>();

        var length = EnvelopeWriter.WriteDelivered(output, message, original, "client-42"u8);
        var payload = PayloadOf(output, length);

        var root = Json(payload);
        var (delivered, _) = Read(payload);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(delivered.Op, Is.EqualTo(original.Op));
            Assert.That(Raw(delivered.Id, payload), Is.EqualTo(Raw(original.Id, message)));
            Assert.That(Raw(delivered.Event, payload), Is.EqualTo(Raw(original.Event, message)));
            Assert.That(Raw(delivered.Data, payload), Is.EqualTo(Raw(original.Data, message)), "data byte for byte");
            Assert.That(delivered.Target, Is.EqualTo(original.Target));
            Assert.That(Raw(delivered.Identifier, payload), Is.EqualTo(Raw(original.Identifier, message)));
            Assert.That(root.EnumerateObject().Count(p => p.Name == "from"), Is.EqualTo(1), "one from, the broker's");
            Assert.That(root.GetProperty("from").GetString(), Is.EqualTo("client-42"));
            Assert.That(root.GetProperty("op").GetInt32(), Is.EqualTo((int)original.Op));
            if (original.Id.IsEmpty)
            {
                Assert.That(root.GetProperty("id").ValueKind, Is.EqualTo(JsonValueKind.Null));
            }
        }
    }

    [Test]
    public void A_delivered_message_has_the_documented_shape()
    {
        var (envelope, message) = Read("""{"from":"admin","id":"1","op":0,"event":"E","data":{"k":1},"intent":{"target":"GROUP","identifier":"g"}}"""u8.ToArray());
        var output = new ArrayBufferWriter<byte>();

        var payload = PayloadOf(output, EnvelopeWriter.WriteDelivered(output, message, envelope, "c-7"u8));

        Assert.That(Encoding.UTF8.GetString(payload),
            Is.EqualTo("""{"id":"1","op":0,"event":"E","data":{"k":1},"intent":{"target":"GROUP","identifier":"g"},"from":"c-7"}"""));
    }

    [Test]
    public void PayloadLength_is_the_number_of_bytes_written()
    {
        var (envelope, message) = Read("""{"id":7,"op":0,"event":"E","data":[true],"intent":{"target":"DIRECT","identifier":"c"}}"""u8.ToArray());
        var outgoing = OutgoingEnvelope.ForDelivery(message, envelope, "broker"u8);
        var output = new ArrayBufferWriter<byte>();

        var payload = PayloadOf(output, EnvelopeWriter.WriteFrame(output, outgoing));

        Assert.That(EnvelopeWriter.PayloadLength(outgoing), Is.EqualTo(payload.Length));
    }

    [TestCase(10, 2)]
    [TestCase(200, 4)]
    [TestCase(65_000, 4)]
    [TestCase(70_000, 10)]
    public void Frames_over_125_and_over_65535_bytes_get_the_longer_headers(int dataBytes, int headerLength)
    {
        var json = $$"""{"op":0,"event":"E","data":"{{new string('d', dataBytes)}}"}""";
        var (envelope, message) = Read(Encoding.UTF8.GetBytes(json));
        var output = new ArrayBufferWriter<byte>();

        var length = EnvelopeWriter.WriteDelivered(output, message, envelope, "c"u8);
        var payload = PayloadOf(output, length);

        Assert.That(length - payload.Length, Is.EqualTo(headerLength));
        Assert.That(Json(payload).GetProperty("data").GetString(), Has.Length.EqualTo(dataBytes));
    }

    [TestCase(200)]
    [TestCase(70_000)]
    public void TryWriteDelivered_writes_the_same_frame_up_to_its_exact_length_and_nothing_past_it(int dataBytes)
    {
        var json = $$$"""{"id":7,"op":0,"event":"E","data":"{{{new string('d', dataBytes)}}}","intent":{"target":"DIRECT","identifier":"x"}}""";
        var (envelope, message) = Read(Encoding.UTF8.GetBytes(json));
        var expected = new ArrayBufferWriter<byte>();
        var length = EnvelopeWriter.WriteDelivered(expected, message, envelope, "c-1"u8);

        var tooShort = new ArrayBufferWriter<byte>();
        Assert.That(EnvelopeWriter.TryWriteDelivered(tooShort, message, envelope, "c-1"u8, maxFrameLength: length - 1), Is.False);
        Assert.That(tooShort.WrittenCount, Is.Zero, "nothing written when it does not fit");

        var exact = new ArrayBufferWriter<byte>();
        Assert.That(EnvelopeWriter.TryWriteDelivered(exact, message, envelope, "c-1"u8, maxFrameLength: length), Is.True);
        Assert.That(exact.WrittenSpan.ToArray(), Is.EqualTo(expected.WrittenSpan.ToArray()));
    }

    [Test]
    public void A_routed_message_without_intent_is_delivered_as_GLOBAL()
    {
        var (envelope, message) = Read("""{"op":0,"event":"E"}"""u8.ToArray());
        var output = new ArrayBufferWriter<byte>();

        var root = Json(PayloadOf(output, EnvelopeWriter.WriteDelivered(output, message, envelope, "c"u8)));

        Assert.That(root.GetProperty("intent").GetProperty("target").GetString(), Is.EqualTo("GLOBAL"));
        Assert.That(root.GetProperty("intent").TryGetProperty("identifier", out _), Is.False);
        Assert.That(root.TryGetProperty("data", out _), Is.False, "absent data stays absent");
    }

    [TestCase("a\"b")]
    [TestCase("a\\b")]
    [TestCase("a\nb")]
    [TestCase("\u0001")]
    public void A_from_that_would_need_escaping_is_refused(string from)
    {
        var output = new ArrayBufferWriter<byte>();
        var bytes = Encoding.UTF8.GetBytes(from);

        Assert.That(() => EnvelopeWriter.WriteFrame(output, new OutgoingEnvelope { Op = OpCode.Ping, From = bytes }), Throws.ArgumentException);
        Assert.That(output.WrittenCount, Is.Zero);
    }

    [TestCase("\"p-1\"")]
    [TestCase("17")]
    [TestCase("")]
    public void PONG_echoes_the_id_from_the_broker(string id)
    {
        var output = new ArrayBufferWriter<byte>();
        var root = Json(PayloadOf(output, BrokerMessages.WritePong(output, Encoding.UTF8.GetBytes(id))));

        Assert.That(root.GetProperty("op").GetInt32(), Is.EqualTo(4));
        Assert.That(root.GetProperty("from").GetString(), Is.EqualTo("broker"));
        Assert.That(root.GetProperty("id").GetRawText(), Is.EqualTo(id.Length == 0 ? "null" : id));
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "id", "op", "from" }));
    }

    [Test]
    public void PING_carries_its_id_from_the_broker()
    {
        var output = new ArrayBufferWriter<byte>();
        var payload = PayloadOf(output, BrokerMessages.WritePing(output, "\"hb-9\""u8));

        Assert.That(Encoding.UTF8.GetString(payload), Is.EqualTo("""{"id":"hb-9","op":3,"from":"broker"}"""));
    }

    [Test]
    public void REPLY_carries_ready_made_data()
    {
        var output = new ArrayBufferWriter<byte>();
        var root = Json(PayloadOf(output, BrokerMessages.WriteReply(output, "\"1\""u8, """{"clientId":"c-1","groups":["damon"],"heartbeatInterval":15000}"""u8)));

        Assert.That(root.GetProperty("op").GetInt32(), Is.EqualTo(5));
        Assert.That(root.GetProperty("id").GetString(), Is.EqualTo("1"));
        Assert.That(root.GetProperty("from").GetString(), Is.EqualTo("broker"));
        Assert.That(root.GetProperty("data").GetProperty("clientId").GetString(), Is.EqualTo("c-1"));
        Assert.That(root.GetProperty("data").GetProperty("heartbeatInterval").GetInt32(), Is.EqualTo(15000));
    }

    [TestCase(ErrorCode.BadRequest, "BAD_REQUEST")]
    [TestCase(ErrorCode.UnknownOp, "UNKNOWN_OP")]
    [TestCase(ErrorCode.NotIdentified, "NOT_IDENTIFIED")]
    [TestCase(ErrorCode.AlreadyIdentified, "ALREADY_IDENTIFIED")]
    [TestCase(ErrorCode.Forbidden, "FORBIDDEN")]
    [TestCase(ErrorCode.NotFound, "NOT_FOUND")]
    [TestCase(ErrorCode.RateLimited, "RATE_LIMITED")]
    [TestCase(ErrorCode.Unavailable, "UNAVAILABLE")]
    public void An_error_is_a_REPLY_with_the_code_and_message(ErrorCode code, string wireName)
    {
        const string text = "he said \"no\" <b>\\ é 😀\n";
        var output = new ArrayBufferWriter<byte>();
        var root = Json(PayloadOf(output, BrokerMessages.WriteError(output, "\"req-1\""u8, code, text)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code.WireName(), Is.EqualTo(wireName));
            Assert.That(root.GetProperty("op").GetInt32(), Is.EqualTo(5));
            Assert.That(root.GetProperty("id").GetString(), Is.EqualTo("req-1"));
            Assert.That(root.GetProperty("from").GetString(), Is.EqualTo("broker"));
            Assert.That(root.GetProperty("data").GetProperty("error").GetProperty("code").GetString(), Is.EqualTo(wireName));
            Assert.That(root.GetProperty("data").GetProperty("error").GetProperty("message").GetString(), Is.EqualTo(text));
        }
    }

    [Test]
    public void Every_error_code_has_a_wire_name()
    {
        var names = Enum.GetValues<ErrorCode>().Select(c => c.WireName()).ToList();

        Assert.That(names, Is.Unique);
        Assert.That(names, Has.All.Match("^[A-Z_]+$"));
    }

    [Test]
    public void An_error_about_a_message_without_an_id_has_id_null()
    {
        var output = new ArrayBufferWriter<byte>();
        var root = Json(PayloadOf(output, BrokerMessages.WriteError(output, [], ErrorCode.BadRequest, "malformed JSON")));

        Assert.That(root.GetProperty("id").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public void Consecutive_errors_do_not_share_leftover_bytes()
    {
        var output = new ArrayBufferWriter<byte>();
        BrokerMessages.WriteError(output, "1"u8, ErrorCode.Forbidden, new string('x', 500));
        var second = new ArrayBufferWriter<byte>();

        var root = Json(PayloadOf(second, BrokerMessages.WriteError(second, "2"u8, ErrorCode.NotFound, "short")));

        Assert.That(root.GetProperty("data").GetProperty("error").GetProperty("message").GetString(), Is.EqualTo("short"));
        Assert.That(root.GetProperty("data").GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("NOT_FOUND"));
    }

    [TestCase(DisconnectCode.AuthFailed, "AUTH_FAILED", false, CloseCode.AuthFailed, 4001)]
    [TestCase(DisconnectCode.IdentifyTimeout, "IDENTIFY_TIMEOUT", true, CloseCode.IdentifyTimeout, 4002)]
    [TestCase(DisconnectCode.HeartbeatTimeout, "HEARTBEAT_TIMEOUT", true, CloseCode.HeartbeatTimeout, 4003)]
    [TestCase(DisconnectCode.SlowConsumer, "SLOW_CONSUMER", true, CloseCode.SlowConsumer, 4008)]
    [TestCase(DisconnectCode.Shutdown, "SHUTDOWN", true, CloseCode.GoingAway, 1001)]
    public void DISCONNECT_carries_code_reason_and_reconnect(DisconnectCode code, string wireName, bool reconnect, CloseCode closeCode, int wireCloseCode)
    {
        const string reason = "bye \"now\" é";
        var output = new ArrayBufferWriter<byte>();
        var root = Json(PayloadOf(output, BrokerMessages.WriteDisconnect(output, code, reason)));
        var data = root.GetProperty("data");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.GetProperty("op").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("id").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(root.GetProperty("from").GetString(), Is.EqualTo("broker"));
            Assert.That(data.GetProperty("code").GetString(), Is.EqualTo(wireName));
            Assert.That(data.GetProperty("reason").GetString(), Is.EqualTo(reason));
            Assert.That(data.GetProperty("reconnect").GetBoolean(), Is.EqualTo(reconnect));
            Assert.That(code.Reconnect(), Is.EqualTo(reconnect));
            Assert.That(code.CloseCode(), Is.EqualTo(closeCode));
            Assert.That((int)code.CloseCode(), Is.EqualTo(wireCloseCode));
        }
    }

    [Test]
    public void Every_disconnect_code_has_a_wire_name_and_an_application_or_going_away_close_code()
    {
        foreach (var code in Enum.GetValues<DisconnectCode>())
        {
            Assert.That(code.WireName(), Does.Match("^[A-Z_]+$"));
            Assert.That(CloseCodes.IsValidOnWire((ushort)code.CloseCode()), Is.True, code.ToString());
        }
    }
}
