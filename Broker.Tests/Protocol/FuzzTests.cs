using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Protocol.Handshake;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary>
/// Seeded random inputs (fixed seeds, so a failure reproduces) against the three readers: random
/// bytes and mutations of valid input. Every reader must answer every input without throwing, and
/// stop. A crash found here is kept below as a named regression case.
/// </summary>
public class FuzzTests
{
    private const int InputsPerSeed = 800;

    private static readonly int[] Limits = [16, 125, 200, 1000, 1 << 20];

    // ---------------------------------------------------------------- MessageReader

    /// <summary>A stream of valid client frames and where each frame starts.</summary>
    private static (byte[] Bytes, List<int> FrameStarts) ValidFrames(Random random)
    {
        var frames = new List<byte[]>();
        for (var count = random.Next(1, 6); count > 0; count--)
        {
            switch (random.Next(6))
            {
                case 0:
                case 1:
                    frames.Add(ClientFrames.Frame(FrameOpcode.Text, RandomText(random, random.Next(0, 300)), mask: (uint)random.Next()));
                    break;
                case 2:
                    var text = RandomText(random, random.Next(0, 200));
                    var cuts = Sequences.RandomOffsets(random, text.Length, 3);
                    var pieces = Sequences.Pieces(text, cuts);
                    for (var i = 0; i < pieces.Count; i++)
                    {
                        var opcode = i == 0 ? FrameOpcode.Text : FrameOpcode.Continuation;
                        frames.Add(ClientFrames.Frame(opcode, pieces[i].Span, fin: i == pieces.Count - 1, mask: (uint)random.Next()));
                        if (random.Next(3) == 0)
                        {
                            frames.Add(ClientFrames.Frame(FrameOpcode.Ping, RandomText(random, random.Next(0, 20)), mask: (uint)random.Next()));
                        }
                    }

                    break;
                case 3:
                    frames.Add(ClientFrames.Frame(random.Next(2) == 0 ? FrameOpcode.Ping : FrameOpcode.Pong,
                        RandomText(random, random.Next(0, 125)), mask: (uint)random.Next()));
                    break;
                case 4:
                    ushort[] codes = [1000, 1001, 1003, 1011, 3000, 4999];
                    frames.Add(ClientFrames.Frame(FrameOpcode.Close, ClientFrames.CloseBody(codes[random.Next(codes.Length)], RandomText(random, random.Next(0, 60))),
                        mask: (uint)random.Next()));
                    break;
                default:
                    frames.Add(ClientFrames.Frame(FrameOpcode.Text, RandomText(random, random.Next(126, 70_000)), mask: (uint)random.Next()));
                    break;
            }
        }

        var starts = new List<int>();
        var offset = 0;
        foreach (var frame in frames)
        {
            starts.Add(offset);
            offset += frame.Length;
        }

        return (ClientFrames.Concat([.. frames]), starts);
    }

    /// <summary>Valid UTF-8 of about <paramref name="bytes"/> bytes, mixing 1- to 4-byte code points.</summary>
    private static byte[] RandomText(Random random, int bytes)
    {
        string[] pieces = ["a", "{", "\"", "é", "€", "😀", " "];
        var text = new StringBuilder();
        while (Encoding.UTF8.GetByteCount(text.ToString()) < bytes)
        {
            text.Append(pieces[random.Next(pieces.Length)]);
            if (text.Length > 16)
            {
                text.Append(new string('x', Math.Max(0, bytes - Encoding.UTF8.GetByteCount(text.ToString()))));
            }
        }

        var result = Encoding.UTF8.GetBytes(text.ToString());
        var cut = Math.Min(bytes, result.Length);
        while (cut > 0 && cut < result.Length && (result[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return result[..cut];
    }

    private static byte[] MutateFrames(Random random, byte[] bytes, List<int> frameStarts)
    {
        var list = new List<byte>(bytes);
        for (var mutations = random.Next(1, 4); mutations > 0 && list.Count > 0; mutations--)
        {
            var start = frameStarts[random.Next(frameStarts.Count)];
            switch (random.Next(7))
            {
                case 0: // bit flips anywhere
                    for (var flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        var at = random.Next(list.Count);
                        list[at] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 1: // truncation
                    var keep = random.Next(list.Count + 1);
                    list.RemoveRange(keep, list.Count - keep);
                    break;
                case 2: // the 7-bit length of a frame
                    if (start + 1 < list.Count)
                    {
                        list[start + 1] = (byte)((list[start + 1] & 0x80) | random.Next(128));
                    }

                    break;
                case 3: // an extended length: 16-bit or 64-bit, with extreme values
                    if (start + 10 < list.Count)
                    {
                        var wide = random.Next(2) == 0;
                        list[start + 1] = (byte)((list[start + 1] & 0x80) | (wide ? 127 : 126));
                        ulong[] extremes = [0, 1, 125, 126, 65535, 65536, int.MaxValue, uint.MaxValue, long.MaxValue, ulong.MaxValue, (ulong)random.NextInt64()];
                        var value = extremes[random.Next(extremes.Length)];
                        var field = new byte[8];
                        BinaryPrimitives.WriteUInt64BigEndian(field, value);
                        var fieldBytes = wide ? field : field[6..];
                        for (var i = 0; i < fieldBytes.Length; i++)
                        {
                            list[start + 2 + i] = fieldBytes[i];
                        }
                    }

                    break;
                case 4 when start < list.Count: // FIN, RSV and opcode of a frame
                    list[start] = (byte)random.Next(256);
                    break;
                case 5: // insert or delete a few bytes
                    var position = random.Next(list.Count);
                    if (random.Next(2) == 0)
                    {
                        list.InsertRange(position, Enumerable.Range(0, random.Next(1, 5)).Select(_ => (byte)random.Next(256)));
                    }
                    else
                    {
                        list.RemoveRange(position, Math.Min(random.Next(1, 5), list.Count - position));
                    }

                    break;
                default: // a frame repeated
                    var end = frameStarts.FirstOrDefault(s => s > start, list.Count);
                    end = Math.Min(end, list.Count);
                    if (start < end)
                    {
                        list.InsertRange(end, list.GetRange(start, end - start));
                    }

                    break;
            }
        }

        return [.. list];
    }

    private static byte[] NextFrameInput(Random random)
    {
        if (random.Next(5) == 0)
        {
            var bytes = new byte[random.Next(0, 80)];
            random.NextBytes(bytes);
            if (bytes.Length > 1 && random.Next(2) == 0)
            {
                bytes[1] |= 0x80; // masked, so the reader looks further than the mask bit
            }

            return bytes;
        }

        var (valid, starts) = ValidFrames(random);
        return random.Next(8) == 0 ? valid : MutateFrames(random, valid, starts);
    }

    /// <summary>What reading gives, fed as the given arrivals; checks the reader's bounds on the way.</summary>
    private static string Run(byte[] input, int maxMessageBytes, IReadOnlyList<int> arrivalCuts, Random? segmenter, bool textFastPath = true)
    {
        var copy = (byte[])input.Clone(); // MessageReader unmasks in place
        var harness = new MessageReaderHarness(maxMessageBytes, textFastPath);
        var arrivals = Sequences.Pieces(copy, arrivalCuts);
        foreach (var arrival in arrivals)
        {
            if (harness.Fault is not null)
            {
                break;
            }

            var segments = segmenter is null ? [arrival] : Sequences.Pieces(arrival.ToArray(), Sequences.RandomOffsets(segmenter, arrival.Length, 3));
            harness.Arrive(segments);
        }

        // Termination: each call either consumes a frame or ends an arrival.
        Assert.That(harness.Calls, Is.LessThanOrEqualTo(input.Length / 2 + arrivals.Count + 1), "calls");

        // Never waits for more while holding more than one frame can be: a data frame is at most the
        // limit, a control frame at most 125 bytes, plus a 14-byte header.
        var bound = Math.Max(maxMessageBytes, MessageReader.MaxControlPayload) + FrameHeader.MaxLength;
        Assert.That(harness.MaxUnconsumedWhileWaiting, Is.LessThanOrEqualTo(bound), "bytes held while asking for more");

        return string.Join("; ", harness.Messages) + (harness.Fault is { } fault ? $"; fault {fault.Code}" : $"; {harness.Unconsumed} left");
    }

    private static void CheckFrameInput(byte[] input, int maxMessageBytes, Random random)
    {
        var whole = Run(input, maxMessageBytes, [], null);
        var split = Run(input, maxMessageBytes, Sequences.RandomOffsets(random, input.Length, 6), random);
        Assert.That(split, Is.EqualTo(whole), "the same bytes read the same however they arrive");
        var withoutFastPath = Run(input, maxMessageBytes, [], null, textFastPath: false);
        Assert.That(withoutFastPath, Is.EqualTo(whole), "the text fast path reads what TryRead alone reads");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(6)]
    public void MessageReader_never_throws_always_stops_and_never_holds_more_than_a_frame(int seed)
    {
        var random = new Random(seed);
        var failures = new List<string>();
        for (var i = 0; i < InputsPerSeed && failures.Count < 5; i++)
        {
            var input = NextFrameInput(random);
            var limit = Limits[random.Next(Limits.Length)];
            try
            {
                CheckFrameInput(input, limit, new Random(i));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures.Add($"input {i}, limit {limit}, {input.Length} bytes: {Convert.ToHexString(input[..Math.Min(input.Length, 4096)])}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.That(failures, Is.Empty);
    }

    /// <summary>Crashes the fuzzer found in the codec as first written: an input as found, and its reduced form.</summary>
    [TestCase("01810102030440" + "80FF7FFFFFFFFFFFFFFF01020304", 1000,
        TestName = "Fuzz regression, reduced: a continuation announcing 2^63-1 bytes after one assembled byte")]
    [TestCase(
        "888FE6D57418E53D54638737F6B4257C0FDB4F16DD89DE7ACB8C54984920B6F867F7B6F867F774984920358A5414D4984920765AB07CCBE24BF72C02B3F42C02"
        + "B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B3F42C02B388B3FA00EA5CF9"
        + "EBCA9F53C3433D0A9F72DCD86129F5D8E268F0D8F075C47A7B917E8278922482789224827892248278922482789224827892018586685A49A409B8CB2A008109"
        + "39BF1E7289865437E86D2FF4414F745600FF7FFFFFFFFFFFFFFFA18AC41539AABF37DB086874C9155C95DB0868E5A612446D41F2BC6D41F2BC6D41F2BC6D41F2",
        1000, TestName = "Fuzz regression: seed 3 input 474, a mutated length field in a fragmented message")]
    public void MessageReader_regression(string hex, int maxMessageBytes)
    {
        var input = Convert.FromHexString(hex);

        Assert.That(() => CheckFrameInput(input, maxMessageBytes, new Random(0)), Throws.Nothing);
    }

    // ---------------------------------------------------------------- EnvelopeReader

    private static byte[] NextEnvelopeInput(Random random)
    {
        switch (random.Next(6))
        {
            case 0:
                var bytes = new byte[random.Next(0, 40)];
                random.NextBytes(bytes);
                return bytes;
            case 1:
                const string json = "{}[]\":,\\ u0123456789abcdefnulltrue-.eE";
                return Encoding.UTF8.GetBytes(Enumerable.Range(0, random.Next(0, 40)).Select(_ => json[random.Next(json.Length)]).ToArray());
            case 2:
            case 3:
                return Encoding.UTF8.GetBytes(RandomEnvelopes.Envelope(random));
            default:
                return ByteMutations.Mutate(random, Encoding.UTF8.GetBytes(RandomEnvelopes.Envelope(random)), "{}[]\":,\\ u0dD8\u00e9");
        }
    }

    private static bool Within(ByteRange range, int length) => range.Start >= 0 && range.Length >= 0 && range.Start + range.Length <= length;

    private static void CheckEnvelopeInput(byte[] message)
    {
        if (!EnvelopeReader.TryRead(message, out var envelope, out var error))
        {
            Assert.That(Enum.IsDefined(error.Code), Is.True);
            Assert.That(error.Message, Is.Not.Empty);
            Assert.That(Within(error.Id, message.Length), Is.True, "error id range");
            return;
        }

        Assert.That(Enum.IsDefined(envelope.Op), Is.True);
        Assert.That(Enum.IsDefined(envelope.Target), Is.True);
        foreach (var range in new[] { envelope.Id, envelope.Event, envelope.Data, envelope.Identifier })
        {
            Assert.That(Within(range, message.Length), Is.True, "range inside the message");
        }

        if (!envelope.Identifier.IsEmpty)
        {
            var written = envelope.CopyIdentifier(message, new byte[envelope.Identifier.Length]);
            Assert.That(written, Is.InRange(1, envelope.Identifier.Length - 2));
        }

        // The frame layer only hands over valid UTF-8; on such input the delivered frame must read back the same.
        if (Utf8.IsValid(message))
        {
            var output = new ArrayBufferWriter<byte>();
            EnvelopeWriter.WriteDelivered(output, message, envelope, "fuzz"u8);
            Assert.That(FrameHeader.TryParse(output.WrittenSpan, out var header, out _), Is.True);
            var payload = output.WrittenSpan[header.HeaderLength..].ToArray();
            using (JsonDocument.Parse(payload))
            {
            }

            Assert.That(EnvelopeReader.TryRead(payload, out var delivered, out var again), Is.True, () => again.Message);
            Assert.That(delivered.Op, Is.EqualTo(envelope.Op));
            Assert.That(delivered.Target, Is.EqualTo(envelope.Target));
            Assert.That(delivered.Data.Of(payload).SequenceEqual(envelope.Data.Of(message)), Is.True, "data");
            Assert.That(delivered.Id.Of(payload).SequenceEqual(envelope.Id.Of(message)), Is.True, "id");
            Assert.That(delivered.Event.Of(payload).SequenceEqual(envelope.Event.Of(message)), Is.True, "event");
            Assert.That(delivered.Identifier.Of(payload).SequenceEqual(envelope.Identifier.Of(message)), Is.True, "identifier");
        }
    }

    [TestCase(11)]
    [TestCase(12)]
    [TestCase(13)]
    [TestCase(14)]
    [TestCase(15)]
    public void EnvelopeReader_never_throws_and_what_it_accepts_round_trips(int seed)
    {
        var random = new Random(seed);
        var failures = new List<string>();
        var accepted = 0;
        for (var i = 0; i < 2 * InputsPerSeed && failures.Count < 5; i++)
        {
            var input = NextEnvelopeInput(random);
            try
            {
                accepted += EnvelopeReader.TryRead(input, out _, out _) ? 1 : 0;
                CheckEnvelopeInput(input);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures.Add($"input {i}: {Encoding.UTF8.GetString(input)} ({Convert.ToHexString(input)}): {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.That(failures, Is.Empty);
        Assert.That(accepted, Is.GreaterThan(InputsPerSeed / 20), "the generator reaches the accepting paths too");
    }

    /// <summary>Crashes the fuzzer found in the codec as first written.</summary>
    [TestCase("""{"op":0,"event":"\ud800"}""", TestName = "Fuzz regression, reduced: an event escaping a lone surrogate")]
    [TestCase("""{"event":"\ud800","op":5}""", TestName = "Fuzz regression: seed 11 input 1, a REPLY event escaping a lone surrogate")]
    [TestCase("""{"op":0,"event":"E","intent":{"target":"GROUP","identifier":"\udc00x"}}""", TestName = "Fuzz regression, reduced: an identifier escaping a lone surrogate")]
    [TestCase("""{"data\ud83d":{},"event":[1.5,"\uud83d\ude00d\ude00",","x-1"],"op":2}""", TestName = "Fuzz regression: seed 11 input 1283, a property name escaping a lone surrogate")]
    public void EnvelopeReader_regression(string json)
    {
        Assert.That(() => CheckEnvelopeInput(Encoding.UTF8.GetBytes(json)), Throws.Nothing);
    }

    // ---------------------------------------------------------------- HandshakeParser

    private static string RandomHead(Random random)
    {
        string[] lines =
        [
            "Host: broker.example", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13", "Origin: https://game.example", "Sec-WebSocket-Protocol: chat, mastersocket.v1",
            "X-Long: " + new string('l', random.Next(0, 300)),
        ];
        string[] requestLines = ["GET /ws HTTP/1.1", "GET /ws?x=1 HTTP/1.1", "POST /ws HTTP/1.0", "GET http://a/ws HTTP/1.1", "GET / HTTP/1.1"];
        return requestLines[random.Next(requestLines.Length)] + "\r\n" +
               string.Concat(lines.Where(_ => random.Next(4) > 0).OrderBy(_ => random.Next()).Select(l => l + "\r\n")) + "\r\n";
    }

    private static byte[] NextHandshakeInput(Random random)
    {
        switch (random.Next(5))
        {
            case 0:
                var bytes = new byte[random.Next(0, 120)];
                random.NextBytes(bytes);
                return bytes;
            case 1:
                return Encoding.Latin1.GetBytes(RandomHead(random));
            default:
                var head = Encoding.Latin1.GetBytes(RandomHead(random));
                var mutated = ByteMutations.Mutate(random, head, "\r\n: \t\u0001\u00e9/?");
                return random.Next(3) == 0 ? ClientFrames.Concat(mutated, ClientFrames.Text("after")) : mutated;
        }
    }

    private static void CheckHandshakeInput(byte[] input, int maxHeaderBytes)
    {
        var buffer = new ReadOnlySequence<byte>(input);
        var status = HandshakeParser.TryParse(ref buffer, maxHeaderBytes, out var request);
        Assert.That(Enum.IsDefined(status), Is.True);
        if (status != HandshakeParseStatus.Parsed)
        {
            Assert.That(buffer.Length, Is.EqualTo(input.Length), "nothing consumed");
            Assert.That(request, Is.Null);
            if (status == HandshakeParseStatus.NeedMoreData)
            {
                Assert.That(input.Length, Is.LessThan(maxHeaderBytes), "never waits for more beyond the bound");
            }

            return;
        }

        var consumed = (int)(input.Length - buffer.Length);
        Assert.That(consumed, Is.InRange(4, maxHeaderBytes));
        Assert.That(input.AsSpan(consumed - 4, 4).SequenceEqual("\r\n\r\n"u8), Is.True, "consumed up to the blank line");
        var decision = HandshakeValidator.Decide(request!);
        var output = new ArrayBufferWriter<byte>();
        if (decision.Accepted)
        {
            HandshakeResponse.WriteAccept(output, request!.Header("sec-websocket-key")!, decision.Subprotocol);
        }
        else
        {
            HandshakeResponse.WriteRejection(output, decision.StatusCode, decision.Reason);
        }

        Assert.That(output.WrittenCount, Is.GreaterThan(0));
    }

    [TestCase(21)]
    [TestCase(22)]
    [TestCase(23)]
    public void HandshakeParser_never_throws_and_never_waits_beyond_the_bound(int seed)
    {
        var random = new Random(seed);
        int[] bounds = [16, 64, 256, 1024, HandshakeParser.DefaultMaxHeaderBytes];
        var failures = new List<string>();
        var parsed = 0;
        for (var i = 0; i < 2 * InputsPerSeed && failures.Count < 5; i++)
        {
            var input = NextHandshakeInput(random);
            var bound = bounds[random.Next(bounds.Length)];
            try
            {
                var buffer = new ReadOnlySequence<byte>(input);
                parsed += HandshakeParser.TryParse(ref buffer, bound, out _) == HandshakeParseStatus.Parsed ? 1 : 0;
                CheckHandshakeInput(input, bound);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures.Add($"input {i}, bound {bound}: {Convert.ToHexString(input)}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.That(failures, Is.Empty);
        Assert.That(parsed, Is.GreaterThan(InputsPerSeed / 20), "the generator reaches the parsed path too");
    }
}
