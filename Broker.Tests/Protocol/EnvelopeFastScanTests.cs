using System.Text;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary>
/// The envelope reader's fast scan may change speed, never an answer: for every input, reading with
/// it must give exactly what the full Utf8JsonReader pass gives (accepted or not, every field of the
/// envelope, the error code and message). Checked on the envelopes clients send, on edge cases of
/// the JSON grammar, and on seeded random envelopes and mutations of them.
/// </summary>
public class EnvelopeFastScanTests
{
    /// <summary>Envelopes as clients send them: the fast scan must take every one itself.</summary>
    [TestCase("""{"id":"a1","op":0,"event":"chat.say","data":{"text":"hi","n":[1,2.5,-3e2,true,false,null]},"intent":{"target":"GROUP","identifier":"lobby"}}""")]
    [TestCase("""{"op":0,"event":"e","data":"x","intent":{"target":"DIRECT","identifier":"client-7f3a9c"}}""")]
    [TestCase("""{"op":0,"event":"e","data":null}""")]
    [TestCase("""{"op":1,"id":42,"event":"match.found","data":{},"intent":{"target":"DIRECT","identifier":"c1"}}""")]
    [TestCase("""{"op":3,"id":"hb-1"}""")]
    [TestCase("""{"op":2,"data":{"token":"abc"}}""")]
    [TestCase("""{"op":5}""")]
    [TestCase(""" { "op" : 0 , "event" : "e" , "data" : [ ] , "intent" : { "target" : "GLOBAL" , "identifier" : null } } """)]
    [TestCase("""{"op":0,"event":"e","data":"caf\u00e9 \"quoted\" \\ tab\t","intent":null}""")]
    [TestCase("""{"op":0,"event":"e","data":"日本語 ✓ 🎮","intent":{"target":"GROUP","identifier":"g"}}""")]
    [TestCase("""{"op":0,"event":"e","intent":{"target":"DIRECT","identifier":"a\u0062c"},"from":"spoof"}""")]
    [TestCase("""{"op":0,"event":"e","data":{"a":{"b":{"c":[[[{}]]]}}},"extra":[1,{"x":"y"}]}""")]
    public void Common_envelopes_take_the_fast_scan_and_read_the_same(string json)
    {
        var message = Encoding.UTF8.GetBytes(json);
        Assert.That(EnvelopeReader.IsFastScanned(message), Is.True, "the fast scan reads this envelope itself");
        AssertSameAnswer(message);
    }

    /// <summary>Inputs the fast scan must leave to the full reader, whose errors are the contract's.</summary>
    [TestCase("""{"op":0,"event":"e",}""", TestName = "Trailing comma")]
    [TestCase("""{"op":0}x""", TestName = "Garbage after the object")]
    [TestCase("""{"op":0""", TestName = "Unterminated object")]
    [TestCase("""{"op":01}""", TestName = "Leading zero")]
    [TestCase("""{"op":1.0}""", TestName = "Fractional op")]
    [TestCase("""{"op":-1}""", TestName = "Negative op")]
    [TestCase("""{"op":99999999999999999999}""", TestName = "Huge op")]
    [TestCase("""{"op":"0"}""", TestName = "String op")]
    [TestCase("""{"\u006fp":0}""", TestName = "Escaped property name")]
    [TestCase("""{"op":0,"data":"a\x"}""", TestName = "Bad escape")]
    [TestCase("""{"op":0,"data":"\u12"}""", TestName = "Short unicode escape")]
    [TestCase("""{"op":0,"data":"tab	raw"}""", TestName = "Raw control character in a string")]
    [TestCase("""{"op":0,"data":[1,]}""", TestName = "Trailing comma in an array")]
    [TestCase("""{"op":0,"data":{"a" 1}}""", TestName = "Missing colon")]
    [TestCase("""{"op":0,"data":tru}""", TestName = "Truncated literal")]
    [TestCase("""{"op":0,"data":-}""", TestName = "Lone minus")]
    [TestCase("""{"op":0,"data":1e}""", TestName = "Empty exponent")]
    [TestCase("""{"op":0,"data":.5}""", TestName = "Number without integer part")]
    [TestCase("""{"op":0,"id":{}}""", TestName = "Object id")]
    [TestCase("""[{"op":0}]""", TestName = "Array at the top")]
    [TestCase("", TestName = "Empty message")]
    public void Malformed_or_rare_input_is_left_to_the_full_reader(string json)
    {
        var message = Encoding.UTF8.GetBytes(json);
        Assert.That(EnvelopeReader.IsFastScanned(message), Is.False);
        AssertSameAnswer(message);
    }

    [Test]
    public void Deep_nesting_is_left_to_the_full_reader_and_still_answered_the_same()
    {
        foreach (var depth in new[] { 40, 46, 47, 48, 62, 63, 64, 65, 200 })
        {
            var json = $$"""{"op":0,"event":"e","data":{{new string('[', depth)}}{{new string(']', depth)}}}""";
            AssertSameAnswer(Encoding.UTF8.GetBytes(json));
        }
    }

    [Test]
    public void Invalid_UTF8_inside_a_string_is_left_to_the_full_reader()
    {
        byte[] message = [.. """{"op":0,"event":"e","data":"a"""u8, 0xC3, 0x28, .. "\"}"u8];
        Assert.That(EnvelopeReader.IsFastScanned(message), Is.False);
        AssertSameAnswer(message);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Random_envelopes_and_their_mutations_read_the_same_both_ways(int seed)
    {
        var random = new Random(seed);
        var fast = 0;
        var left = 0;
        for (var i = 0; i < 4000; i++)
        {
            var message = Encoding.UTF8.GetBytes(RandomEnvelopes.Envelope(random));
            if (i % 2 == 1)
            {
                message = ByteMutations.Mutate(random, message, "{}[]\":,\\ u0123456789-+.eEtfnlrsab\t\n\u0000\u001f\u007f\u00e9");
            }

            if (EnvelopeReader.IsFastScanned(message))
            {
                fast++;
            }
            else
            {
                left++;
            }

            AssertSameAnswer(message);
        }

        // Both paths must have been exercised for the comparison to mean anything.
        Assert.That(fast, Is.GreaterThan(1000), "inputs the fast scan read itself");
        Assert.That(left, Is.GreaterThan(500), "inputs left to the full reader");
    }

    /// <summary>
    /// The string scan looks at 16 bytes at a time while they fit and byte by byte after that: a
    /// closing quote, an escape, a raw control character or the end of the message must be found at
    /// every position, on either side of each step and in the bytes left over at the end.
    /// </summary>
    [Test]
    public void Every_position_of_a_special_byte_in_a_string_reads_the_same_both_ways()
    {
        var specials = new[] { "\"", "\\n", "\\u00e9", "\\q", "\t", "\u001f", "é", "\"x" };
        var cases = 0;
        for (var length = 0; length <= 50; length++)
        {
            foreach (var special in specials)
            {
                var text = new string('a', length);
                foreach (var tail in new[] { "\"}", "\"", "" })
                {
                    // The special inside the data string, then the rest of the string, then the end.
                    AssertSameAnswer(Encoding.UTF8.GetBytes($$"""{"op":0,"event":"e","data":"{{text}}{{special}}bc{{tail}}"""));
                    // The same string as a property name (names go through the same scan).
                    AssertSameAnswer(Encoding.UTF8.GetBytes($$"""{"op":0,"event":"e","{{text}}{{special}}":1}"""));
                    cases += 2;
                }
            }
        }

        Assert.That(cases, Is.EqualTo(51 * 8 * 3 * 2));
    }

    /// <summary>
    /// The names the reader looks for are matched as whole words with their quotes and colon: each
    /// of them, and names that differ from one by a byte, a case, a missing or extra letter, an
    /// escape or a space before the colon, at the top level and in the intent, and at every distance
    /// from the end of the message (the words are read only with 16 bytes to spare).
    /// </summary>
    [Test]
    public void Names_like_the_known_ones_read_the_same_both_ways_wherever_they_stand()
    {
        string[] names =
        [
            "op", "id", "event", "data", "intent", "target", "identifier",
            "o", "opp", "oq", "Op", "i", "idx", "ID", "intent2", "inten", "intenT", "identifie", "identifiers",
            "identifiex", "dat", "data_", "dAta", "even", "events", "targe", "targets", "from", "\\u006fp", "dat\\u0061",
        ];
        string[] values = ["0", "\"DIRECT\"", "\"g\"", "{\"target\":\"GROUP\",\"identifier\":\"g\"}", "null"];
        var cases = 0;
        foreach (var name in names)
        {
            foreach (var colon in new[] { ":", " :" })
            {
                foreach (var value in values)
                {
                    for (var padding = 0; padding <= 18; padding++)
                    {
                        var tail = new string(' ', padding);
                        AssertSameAnswer(Encoding.UTF8.GetBytes($$"""{"op":0,"event":"e","{{name}}"{{colon}}{{value}}}{{tail}}"""));
                        AssertSameAnswer(Encoding.UTF8.GetBytes($$$"""{"op":0,"event":"e","intent":{"target":"DIRECT","{{{name}}}"{{{colon}}}{{{value}}}}}{{{tail}}}"""));
                        AssertSameAnswer(Encoding.UTF8.GetBytes($$"""{"{{name}}"{{colon}}{{value}},"op":1}{{tail}}"""));
                        cases += 3;
                    }
                }
            }
        }

        Assert.That(cases, Is.EqualTo(names.Length * 2 * values.Length * 19 * 3));
    }

    private static void AssertSameAnswer(byte[] message)
    {
        var fastOk = EnvelopeReader.TryRead(message, out var fastEnvelope, out var fastError, fastScan: true);
        var fullOk = EnvelopeReader.TryRead(message, out var fullEnvelope, out var fullError, fastScan: false);
        var text = Encoding.UTF8.GetString(message);
        Assert.That(fastOk, Is.EqualTo(fullOk), () => $"accepted? for {text}");
        Assert.That(fastError, Is.EqualTo(fullError), () => $"error for {text}");
        Assert.That(Describe(fastEnvelope), Is.EqualTo(Describe(fullEnvelope)), () => $"envelope for {text}");

        if (System.Text.Unicode.Utf8.IsValid(message))
        {
            // What a WebSocket text message gets: the same answers without the second UTF-8 check.
            var textOk = EnvelopeReader.TryReadText(message, out var textEnvelope, out var textError);
            Assert.That(textOk, Is.EqualTo(fullOk), () => $"accepted as text? for {text}");
            Assert.That(textError, Is.EqualTo(fullError), () => $"error as text for {text}");
            Assert.That(Describe(textEnvelope), Is.EqualTo(Describe(fullEnvelope)), () => $"envelope as text for {text}");
        }
    }

    private static string Describe(Envelope e) =>
        $"{e.Op} id={e.Id} event={e.Event} data={e.Data} target={e.Target} identifier={e.Identifier} escaped={e.IdentifierIsEscaped}";
}
