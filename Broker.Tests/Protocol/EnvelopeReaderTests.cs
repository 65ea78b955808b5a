using System.Text;
using MasterSocket.Protocol.Envelopes;

namespace MasterSocket.Tests.Protocol;

/// <summary><see cref="EnvelopeReader"/>: the envelope rules of PROTOCOL.md 2.</summary>
public class EnvelopeReaderTests
{
    private static (Envelope Envelope, byte[] Message) Accept(string json)
    {
        var message = Encoding.UTF8.GetBytes(json);
        var accepted = EnvelopeReader.TryRead(message, out var envelope, out var error);
        Assert.That(accepted, Is.True, () => $"refused with {error.Code}: {error.Message}");
        return (envelope, message);
    }

    private static (EnvelopeError Error, byte[] Message) Refuse(string json)
    {
        var message = Encoding.UTF8.GetBytes(json);
        var accepted = EnvelopeReader.TryRead(message, out _, out var error);
        Assert.That(accepted, Is.False, "expected a refusal");
        Assert.That(error.Message, Is.Not.Empty);
        return (error, message);
    }

    private static void AssertRefused(string json, ErrorCode expected)
    {
        var (error, _) = Refuse(json);
        Assert.That(error.Code, Is.EqualTo(expected), error.Message);
    }

    private static string Raw(ByteRange range, byte[] message) => Encoding.UTF8.GetString(range.Of(message));

    [Test]
    public void The_contract_s_example_envelope_is_read()
    {
        var (envelope, message) = Accept("""
            {
              "id": "70653cb0-5f6d-41fe-acbf-ea8f37a73034",
              "op": 0,
              "event": "INFO",
              "data": {},
              "intent": { "target": "GROUP", "identifier": "damon" }
            }
            """);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(envelope.Op, Is.EqualTo(OpCode.Event));
            Assert.That(Raw(envelope.Id, message), Is.EqualTo("\"70653cb0-5f6d-41fe-acbf-ea8f37a73034\""));
            Assert.That(Raw(envelope.Event, message), Is.EqualTo("\"INFO\""));
            Assert.That(Raw(envelope.Data, message), Is.EqualTo("{}"));
            Assert.That(envelope.Target, Is.EqualTo(Target.Group));
            Assert.That(Raw(envelope.Identifier, message), Is.EqualTo("\"damon\""));
            Assert.That(envelope.IdentifierIsEscaped, Is.False);
            Assert.That(envelope.IsRouted, Is.True);
        }
    }

    [TestCase("""{"op":0,"event":"E"}""", OpCode.Event, true)]
    [TestCase("""{"op":1}""", OpCode.Identify, false)]
    [TestCase("""{"op":2}""", OpCode.Disconnect, false)]
    [TestCase("""{"op":3}""", OpCode.Ping, false)]
    [TestCase("""{"op":4}""", OpCode.Pong, false)]
    [TestCase("""{"op":5}""", OpCode.Reply, true)]
    [TestCase("""{"op":-0,"event":"E"}""", OpCode.Event, true)]
    public void Each_op_is_read(string json, OpCode op, bool routed)
    {
        var (envelope, _) = Accept(json);

        Assert.That(envelope.Op, Is.EqualTo(op));
        Assert.That(envelope.IsRouted, Is.EqualTo(routed));
    }

    [TestCase("""{"event":"E"}""", TestName = "op missing is BAD_REQUEST")]
    [TestCase("""{"op":"0","event":"E"}""", TestName = "op as a string is BAD_REQUEST")]
    [TestCase("""{"op":1.5}""", TestName = "op 1.5 is BAD_REQUEST")]
    [TestCase("""{"op":1.0}""", TestName = "op 1.0 is BAD_REQUEST")]
    [TestCase("""{"op":1e0}""", TestName = "op with an exponent is BAD_REQUEST")]
    [TestCase("""{"op":-2.5}""", TestName = "op -2.5 is BAD_REQUEST")]
    [TestCase("""{"op":1e400}""", TestName = "op 1e400 is BAD_REQUEST")]
    [TestCase("""{"op":null}""", TestName = "op null is BAD_REQUEST")]
    [TestCase("""{"op":true}""", TestName = "op true is BAD_REQUEST")]
    [TestCase("""{"op":{"value":0}}""", TestName = "op as an object is BAD_REQUEST")]
    [TestCase("""{"op":[0]}""", TestName = "op as an array is BAD_REQUEST")]
    public void An_op_that_is_missing_or_not_an_integer_is_a_bad_request(string json)
    {
        AssertRefused(json, ErrorCode.BadRequest);
    }

    [TestCase("""{"op":6}""")]
    [TestCase("""{"op":-1}""")]
    [TestCase("""{"op":9}""")]
    [TestCase("""{"op":256}""")]
    [TestCase("""{"op":9223372036854775807}""")]
    [TestCase("""{"op":9223372036854775808}""")]
    [TestCase("""{"op":99999999999999999999}""")]
    [TestCase("""{"op":-99999999999999999999}""")]
    public void An_integer_op_outside_0_to_5_is_an_unknown_op(string json)
    {
        AssertRefused(json, ErrorCode.UnknownOp);
    }

    [TestCase("\"abc\"")]
    [TestCase("\"70653cb0-5f6d-41fe-acbf-ea8f37a73034\"")]
    [TestCase("\"a\\\"b\\u0041\\n\"")]
    [TestCase("\"\"")]
    [TestCase("42")]
    [TestCase("-7")]
    [TestCase("1.5e3")]
    [TestCase("0")]
    public void A_string_or_number_id_is_kept_byte_for_byte(string id)
    {
        var (envelope, message) = Accept($$"""{"op":3,"id": {{id}} }""");

        Assert.That(Raw(envelope.Id, message), Is.EqualTo(id));
    }

    [TestCase("""{"op":3}""")]
    [TestCase("""{"op":3,"id":null}""")]
    public void An_absent_or_null_id_is_empty(string json)
    {
        Assert.That(Accept(json).Envelope.Id.IsEmpty, Is.True);
    }

    [Test]
    public void An_id_of_128_bytes_is_accepted_and_129_is_a_bad_request()
    {
        var (envelope, message) = Accept($$"""{"op":3,"id":"{{new string('i', 128)}}"}""");
        Assert.That(envelope.Id.Length, Is.EqualTo(130));
        Assert.That(Raw(envelope.Id, message), Is.EqualTo($"\"{new string('i', 128)}\""));

        AssertRefused($$"""{"op":3,"id":"{{new string('i', 129)}}"}""", ErrorCode.BadRequest);
        AssertRefused($$"""{"op":3,"id":"{{string.Concat(Enumerable.Repeat("é", 65))}}"}""", ErrorCode.BadRequest);
    }

    [TestCase("""{"op":3,"id":{"n":1}}""")]
    [TestCase("""{"op":3,"id":["a"]}""")]
    [TestCase("""{"op":3,"id":true}""")]
    [TestCase("""{"op":3,"id":false}""")]
    public void An_id_that_is_not_a_string_or_number_is_a_bad_request(string json)
    {
        AssertRefused(json, ErrorCode.BadRequest);
    }

    [TestCase("""{"op":9,"id":"abc"}""", ErrorCode.UnknownOp, "\"abc\"", TestName = "UNKNOWN_OP echoes the id")]
    [TestCase("""{"id":"abc","op":9}""", ErrorCode.UnknownOp, "\"abc\"", TestName = "UNKNOWN_OP echoes an id read before op")]
    [TestCase("""{"id":17,"event":"E"}""", ErrorCode.BadRequest, "17", TestName = "Missing op echoes the id")]
    [TestCase("""{"id":"abc","op":"0"}""", ErrorCode.BadRequest, "\"abc\"", TestName = "A string op echoes an id read before it")]
    [TestCase("""{"op":"0","id":"abc"}""", ErrorCode.BadRequest, "\"abc\"", TestName = "A string op echoes an id read after it")]
    [TestCase("""{"op":1.5,"id":5}""", ErrorCode.BadRequest, "5", TestName = "A fractional op echoes an id read after it")]
    [TestCase("""{"op":99999999999999999999,"id":"big"}""", ErrorCode.UnknownOp, "\"big\"", TestName = "A huge op echoes an id read after it")]
    [TestCase("""{"op":0,"id":"e1"}""", ErrorCode.BadRequest, "\"e1\"", TestName = "A missing event echoes the id")]
    [TestCase("""{"op":0,"id":"e2","event":"E","intent":{"target":"group"}}""", ErrorCode.BadRequest, "\"e2\"", TestName = "A bad intent echoes the id")]
    [TestCase("""{"op":9,"id":null}""", ErrorCode.UnknownOp, "", TestName = "A null id echoes nothing")]
    [TestCase("""{"op":9}""", ErrorCode.UnknownOp, "", TestName = "No id echoes nothing")]
    [TestCase("""{"id":"abc","op":0""", ErrorCode.BadRequest, "", TestName = "Truncated JSON echoes nothing")]
    [TestCase("""{"id":"abc","op":0,}""", ErrorCode.BadRequest, "", TestName = "JSON with a trailing comma echoes nothing")]
    [TestCase("""{"id":"abc","op":0,"event":"E"} x""", ErrorCode.BadRequest, "", TestName = "JSON with trailing garbage echoes nothing")]
    [TestCase("""{"id":"abc","op":"0",]""", ErrorCode.BadRequest, "", TestName = "Malformed JSON after a bad op echoes nothing")]
    public void The_error_echoes_the_id_only_when_the_JSON_parsed(string json, ErrorCode code, string echoedId)
    {
        var (error, message) = Refuse(json);

        Assert.That(error.Code, Is.EqualTo(code), error.Message);
        Assert.That(Raw(error.Id, message), Is.EqualTo(echoedId));
    }

    [Test]
    public void Malformed_JSON_is_a_bad_request_that_says_so()
    {
        var (error, _) = Refuse("""{"op":0,"event":"E" "data":1}""");

        Assert.That(error.Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(error.Message, Does.StartWith("malformed JSON"));
    }

    [TestCase("""{"op":0}""", TestName = "EVENT without event is a bad request")]
    [TestCase("""{"op":0,"event":""}""", TestName = "EVENT with an empty event is a bad request")]
    [TestCase("""{"op":0,"event":null}""", TestName = "EVENT with a null event is a bad request")]
    [TestCase("""{"op":0,"event":7}""", TestName = "EVENT with a number event is a bad request")]
    [TestCase("""{"op":0,"event":{"name":"E"}}""", TestName = "EVENT with an object event is a bad request")]
    [TestCase("""{"op":0,"event":["E"]}""", TestName = "EVENT with an array event is a bad request")]
    [TestCase("""{"op":5,"event":""}""", TestName = "REPLY with an empty event is a bad request")]
    [TestCase("""{"op":5,"event":1}""", TestName = "REPLY with a number event is a bad request")]
    public void An_event_that_is_missing_or_not_a_non_empty_string_is_a_bad_request(string json)
    {
        AssertRefused(json, ErrorCode.BadRequest);
    }

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    [TestCase("a", 1, true)]
    [TestCase("a", 256, true)]
    [TestCase("a", 257, false)]
    [TestCase("é", 128, true)]
    [TestCase("é", 129, false)]
    [TestCase("😀", 64, true)]
    [TestCase("😀", 65, false)]
    [TestCase("\\u0041", 256, true)]
    [TestCase("\\u0041", 257, false)]
    [TestCase("\\u00e9", 128, true)]
    [TestCase("\\u00e9", 129, false)]
    [TestCase("\\n", 256, true)]
    [TestCase("\\ud83d\\ude00", 64, true)]
    [TestCase("\\ud83d\\ude00", 65, false)]
    [TestCase("\\u0041", 1000, false)]
    public void The_event_is_1_to_256_bytes_counted_after_unescaping(string piece, int count, bool accepted)
    {
        var json = $$"""{"op":0,"event":"{{Repeat(piece, count)}}"}""";
        var message = Encoding.UTF8.GetBytes(json);

        Assert.That(EnvelopeReader.TryRead(message, out var envelope, out var error), Is.EqualTo(accepted), error.Message);
        if (accepted)
        {
            Assert.That(Raw(envelope.Event, message), Is.EqualTo($"\"{Repeat(piece, count)}\""), "the raw token is kept, escapes and all");
        }
        else
        {
            Assert.That(error.Code, Is.EqualTo(ErrorCode.BadRequest));
        }
    }

    [Test]
    public void An_event_of_255_bytes_plus_one_escaped_character_is_accepted()
    {
        Accept($$"""{"op":0,"event":"{{new string('a', 255)}}\t"}""".Replace("\t", "\\t", StringComparison.Ordinal));
        AssertRefused($$"""{"op":0,"event":"{{new string('a', 256)}}\t"}""".Replace("\t", "\\t", StringComparison.Ordinal), ErrorCode.BadRequest);
    }

    [TestCase("\\ud800", TestName = "An event escaping a lone high surrogate is a bad request")]
    [TestCase("\\udc00abc", TestName = "An event escaping a lone low surrogate is a bad request")]
    [TestCase("ab\\ud83d\\u0041", TestName = "An event escaping a high surrogate followed by a letter is a bad request")]
    public void An_event_whose_escapes_are_not_valid_text_is_a_bad_request(string value)
    {
        AssertRefused($$"""{"op":0,"event":"{{value}}"}""", ErrorCode.BadRequest);
    }

    [Test]
    public void REPLY_may_have_no_event()
    {
        var (envelope, _) = Accept("""{"op":5,"id":"r1","data":{"ok":true},"intent":{"target":"DIRECT","identifier":"c-1"}}""");

        Assert.That(envelope.Event.IsEmpty, Is.True);
        Assert.That(envelope.Target, Is.EqualTo(Target.Direct));
    }

    [Test]
    public void REPLY_keeps_an_event_it_has()
    {
        var (envelope, message) = Accept("""{"op":5,"event":"DONE"}""");

        Assert.That(Raw(envelope.Event, message), Is.EqualTo("\"DONE\""));
    }

    [TestCase("""{"op":3,"id":"p","event":7}""")]
    [TestCase("""{"op":3,"id":"p","event":""}""")]
    [TestCase("""{"op":3,"id":"p","event":"PING"}""")]
    [TestCase("""{"op":4,"id":"p","event":{"x":1},"intent":"nonsense"}""")]
    [TestCase("""{"op":1,"id":"p","event":null,"intent":{"target":"group"}}""")]
    [TestCase("""{"op":2,"id":"p","event":"\ud800","intent":{"target":"GLOBAL","identifier":"x"}}""")]
    public void Event_and_intent_are_ignored_for_ops_that_are_not_routed(string json)
    {
        var (envelope, message) = Accept(json);

        Assert.That(envelope.Event.IsEmpty, Is.True);
        Assert.That(envelope.Identifier.IsEmpty, Is.True);
        Assert.That(envelope.IsRouted, Is.False);
        Assert.That(Raw(envelope.Id, message), Is.EqualTo("\"p\""));
    }

    [Test]
    public void Data_of_an_op_that_is_not_routed_is_kept()
    {
        var (envelope, message) = Accept("""{"op":1,"id":"1","data":{"token":"t","name":"damon-1","groups":["damon"]}}""");

        Assert.That(Raw(envelope.Data, message), Is.EqualTo("""{"token":"t","name":"damon-1","groups":["damon"]}"""));
    }

    [TestCase("""{"op":0,"event":"E"}""")]
    [TestCase("""{"op":0,"event":"E","intent":null}""")]
    [TestCase("""{"op":5}""")]
    public void A_missing_or_null_intent_means_GLOBAL(string json)
    {
        var (envelope, _) = Accept(json);

        Assert.That(envelope.Target, Is.EqualTo(Target.Global));
        Assert.That(envelope.Identifier.IsEmpty, Is.True);
    }

    [TestCase("GLOBAL", Target.Global)]
    [TestCase("GROUP", Target.Group)]
    [TestCase("DIRECT", Target.Direct)]
    public void Each_target_is_read(string target, Target expected)
    {
        var identifier = expected == Target.Global ? "null" : "\"x-1\"";
        var (envelope, message) = Accept($$$"""{"op":0,"event":"E","intent":{"target":"{{{target}}}","identifier":{{{identifier}}}}}""");

        Assert.That(envelope.Target, Is.EqualTo(expected));
        Assert.That(Raw(envelope.Identifier, message), Is.EqualTo(expected == Target.Global ? "" : "\"x-1\""));
    }

    [TestCase("\"group\"")]
    [TestCase("\"Group\"")]
    [TestCase("\"global\"")]
    [TestCase("\"direct\"")]
    [TestCase("\" GROUP\"")]
    [TestCase("\"GROUP \"")]
    [TestCase("\"GROUPS\"")]
    [TestCase("\"\"")]
    [TestCase("null")]
    [TestCase("0")]
    [TestCase("[\"GROUP\"]")]
    public void A_target_that_is_not_exactly_GLOBAL_GROUP_or_DIRECT_is_a_bad_request(string target)
    {
        AssertRefused($$$"""{"op":0,"event":"E","intent":{"target":{{{target}}},"identifier":"damon"}}""", ErrorCode.BadRequest);
    }

    [TestCase("""{"op":0,"event":"E","intent":"GLOBAL"}""", TestName = "An intent that is a string is a bad request")]
    [TestCase("""{"op":0,"event":"E","intent":["GLOBAL"]}""", TestName = "An intent that is an array is a bad request")]
    [TestCase("""{"op":0,"event":"E","intent":{}}""", TestName = "An intent without a target is a bad request")]
    [TestCase("""{"op":0,"event":"E","intent":{"identifier":"damon"}}""", TestName = "An intent with only an identifier is a bad request")]
    public void An_intent_of_the_wrong_shape_is_a_bad_request(string json)
    {
        AssertRefused(json, ErrorCode.BadRequest);
    }

    [TestCase("GROUP", "")]
    [TestCase("GROUP", ",\"identifier\":null")]
    [TestCase("GROUP", ",\"identifier\":\"\"")]
    [TestCase("GROUP", ",\"identifier\":42")]
    [TestCase("GROUP", ",\"identifier\":{\"name\":\"damon\"}")]
    [TestCase("GROUP", ",\"identifier\":[\"damon\"]")]
    [TestCase("DIRECT", "")]
    [TestCase("DIRECT", ",\"identifier\":null")]
    [TestCase("DIRECT", ",\"identifier\":\"\"")]
    [TestCase("DIRECT", ",\"identifier\":7")]
    [TestCase("DIRECT", ",\"identifier\":true")]
    public void GROUP_and_DIRECT_need_a_non_empty_string_identifier(string target, string identifier)
    {
        AssertRefused($$$"""{"op":0,"event":"E","intent":{"target":"{{{target}}}"{{{identifier}}}}}""", ErrorCode.BadRequest);
    }

    [TestCase(",\"identifier\":\"damon\"")]
    [TestCase(",\"identifier\":\"\"")]
    [TestCase(",\"identifier\":0")]
    [TestCase(",\"identifier\":false")]
    [TestCase(",\"identifier\":{}")]
    public void GLOBAL_with_an_identifier_is_a_bad_request(string identifier)
    {
        AssertRefused($$$"""{"op":0,"event":"E","intent":{"target":"GLOBAL"{{{identifier}}}}}""", ErrorCode.BadRequest);
    }

    [TestCase("\\ud800", TestName = "An identifier escaping a lone high surrogate is a bad request")]
    [TestCase("abc\\udfff", TestName = "An identifier escaping a lone low surrogate is a bad request")]
    public void An_identifier_whose_escapes_are_not_valid_text_is_a_bad_request(string value)
    {
        AssertRefused($$$"""{"op":0,"event":"E","intent":{"target":"DIRECT","identifier":"{{{value}}}"}}""", ErrorCode.BadRequest);
    }

    [TestCase("\\ud800")]
    [TestCase("x\\udc00")]
    [TestCase("targe\\ud800")]
    [TestCase("op\\ud800")]
    [TestCase("\\ud800\\ud800\\ud800\\ud800\\ud800\\ud800\\ud800\\ud800")]
    public void A_property_name_escaping_a_lone_surrogate_is_refused_or_skipped_never_thrown(string name)
    {
        foreach (var json in new[]
        {
            $$$"""{"{{{name}}}":1,"op":0,"event":"E"}""",
            $$$"""{"op":0,"event":"E","intent":{"{{{name}}}":1,"target":"GROUP","identifier":"g"}}""",
            $$$"""{"op":0,"event":"E","intent":{"target":"GROUP","identifier":"g","{{{name}}}":1}}""",
        })
        {
            var message = Encoding.UTF8.GetBytes(json);
            var accepted = true;
            EnvelopeError error = default;

            Assert.That(() => accepted = EnvelopeReader.TryRead(message, out _, out error), Throws.Nothing, json);
            Assert.That(accepted || error.Code == ErrorCode.BadRequest, Is.True, json);
        }
    }

    [Test]
    public void A_top_level_property_name_that_is_a_lone_surrogate_is_a_bad_request()
    {
        AssertRefused("""{"\ud800":1,"op":3}""", ErrorCode.BadRequest);
    }

    [Test]
    public void Data_may_hold_names_with_any_escapes_because_it_is_not_decoded()
    {
        var (envelope, message) = Accept("""{"op":3,"data":{"\ud800":1}}""");

        Assert.That(Raw(envelope.Data, message), Is.EqualTo("""{"\ud800":1}"""));
    }

    [Test]
    public void Unknown_fields_are_skipped_at_the_top_level_and_inside_intent()
    {
        var (envelope, message) = Accept("""
            {
              "version": 2,
              "meta": {"op": 99, "id": {"x": []}, "intent": {"target": "nope"}, "deep": [[[{"event": 1}]]]},
              "op": 0,
              "tags": ["a", {"b": null}],
              "event": "E",
              "intent": {"priority": {"target": "GLOBAL"}, "target": "GROUP", "ttl": [1, 2], "identifier": "damon", "why": null},
              "trailer": true
            }
            """);

        Assert.That(envelope.Op, Is.EqualTo(OpCode.Event));
        Assert.That(envelope.Target, Is.EqualTo(Target.Group));
        Assert.That(Raw(envelope.Identifier, message), Is.EqualTo("\"damon\""));
        Assert.That(envelope.Id.IsEmpty, Is.True);
    }

    [TestCase("""{"from":"admin","op":0,"event":"E"}""")]
    [TestCase("""{"op":0,"event":"E","from":{"clientId":"admin"}}""")]
    [TestCase("""{"op":0,"event":"E","from":null}""")]
    [TestCase("""{"op":0,"event":"E","from":42}""")]
    public void A_from_written_by_the_client_is_ignored(string json)
    {
        var (envelope, message) = Accept(json);

        Assert.That(envelope.Op, Is.EqualTo(OpCode.Event));
        Assert.That(Raw(envelope.Event, message), Is.EqualTo("\"E\""));
    }

    [TestCase("{}")]
    [TestCase("{\"a\":1,\"b\":[true,false,null]}")]
    [TestCase("[]")]
    [TestCase("[1,\"two\",{\"three\":3},[4]]")]
    [TestCase("\"plain\"")]
    [TestCase("\"with \\\"escapes\\\" \\\\ \\n \\u00e9 \\ud83d\\ude00\"")]
    [TestCase("\"}]\\\",{\"")]
    [TestCase("0")]
    [TestCase("-12.5e-3")]
    [TestCase("123456789012345678901234567890")]
    [TestCase("true")]
    [TestCase("false")]
    [TestCase("null")]
    [TestCase("{\"a\":{\"b\":{\"c\":[[[{\"d\":\"}\"}]]]}}}")]
    [TestCase("{\"日本語\":\"😀 é €\",\"\\u65e5\":\"\\u00e9\"}")]
    [TestCase("{ \"spaced\" : [ 1 , 2 ] ,\n\t\"x\" : { } }")]
    public void Data_is_kept_exactly_as_the_sender_wrote_it(string data)
    {
        var (envelope, message) = Accept($$"""{"op":0,"event":"E","data": {{data}} ,"intent":null}""");
        Assert.That(Raw(envelope.Data, message), Is.EqualTo(data));

        var (first, firstMessage) = Accept($$"""{"data":{{data}},"op":0,"event":"E"}""");
        Assert.That(Raw(first.Data, firstMessage), Is.EqualTo(data), "data before op");
    }

    [Test]
    public void Absent_data_is_empty()
    {
        Assert.That(Accept("""{"op":0,"event":"E"}""").Envelope.Data.IsEmpty, Is.True);
    }

    [TestCase("[]")]
    [TestCase("[{\"op\":0}]")]
    [TestCase("\"op\"")]
    [TestCase("0")]
    [TestCase("null")]
    [TestCase("true")]
    [TestCase("")]
    [TestCase("   ")]
    public void A_top_level_value_that_is_not_an_object_is_a_bad_request(string json)
    {
        AssertRefused(json, ErrorCode.BadRequest);
    }

    [TestCase("""{"op":0,"event":"E"} x""")]
    [TestCase("""{"op":0,"event":"E"}{}""")]
    [TestCase("""{"op":0,"event":"E"},""")]
    [TestCase("""{"op":0,"event":"E"}]""")]
    [TestCase("""{"op":0,"event":"E"}}""")]
    [TestCase("""{"op":0,"event":"E"} 1""")]
    [TestCase("""{"op":"x","event":"E"} garbage""")]
    public void Trailing_garbage_after_the_object_is_a_bad_request(string json)
    {
        AssertRefused(json, ErrorCode.BadRequest);
    }

    [Test]
    public void Whitespace_around_the_object_is_fine()
    {
        Assert.That(Accept(" \r\n\t{\"op\":3} \r\n\t").Envelope.Op, Is.EqualTo(OpCode.Ping));
    }

    [TestCase("""{"op":0,"event":"E" /* note */}""")]
    [TestCase("""{"op":0,"event":"E"} // note""")]
    [TestCase("""{op:0,"event":"E"}""")]
    [TestCase("""{'op':0,"event":"E"}""")]
    [TestCase("""{"op":0,"event":"E","data":NaN}""")]
    [TestCase("""{"op":0,"event":"E","data":[1,]}""")]
    [TestCase("""{"op":0,"event":"E","data":01}""")]
    public void JSON_extensions_are_not_accepted(string json)
    {
        AssertRefused(json, ErrorCode.BadRequest);
    }

    [Test]
    public void Deeply_nested_data_is_refused_without_recursing()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);

        AssertRefused($$"""{"op":0,"event":"E","data":{{deep}}}""", ErrorCode.BadRequest);
    }

    [Test]
    public void Nesting_within_the_depth_limit_is_accepted()
    {
        var depth = EnvelopeReader.MaxDepth - 1; // the envelope itself is one level
        var data = new string('[', depth) + new string(']', depth);

        Assert.That(Raw(Accept($$"""{"op":0,"event":"E","data":{{data}}}""").Envelope.Data, Encoding.UTF8.GetBytes($$"""{"op":0,"event":"E","data":{{data}}}""")), Is.EqualTo(data));
    }

    [TestCase("\"damon\"", "damon", false)]
    [TestCase("\"da\\u006don\"", "damon", true)]
    [TestCase("\"a\\\"b\\\\c\"", "a\"b\\c", true)]
    [TestCase("\"\\ud83d\\ude00 ok\"", "😀 ok", true)]
    [TestCase("\"caf\\u00e9\"", "café", true)]
    [TestCase("\"café 😀\"", "café 😀", false)]
    [TestCase("\"a\\/b\"", "a/b", true)]
    public void CopyIdentifier_gives_the_identifier_with_escapes_resolved(string raw, string expected, bool escaped)
    {
        var (envelope, message) = Accept($$$"""{"op":0,"event":"E","intent":{"target":"GROUP","identifier":{{{raw}}}}}""");
        var destination = new byte[envelope.Identifier.Length];

        var written = envelope.CopyIdentifier(message, destination);

        Assert.That(envelope.IdentifierIsEscaped, Is.EqualTo(escaped));
        Assert.That(Encoding.UTF8.GetString(destination, 0, written), Is.EqualTo(expected));
    }

    [Test]
    public void CopyIdentifier_of_GLOBAL_writes_nothing()
    {
        var (envelope, message) = Accept("""{"op":0,"event":"E","intent":{"target":"GLOBAL","identifier":null}}""");

        Assert.That(envelope.CopyIdentifier(message, new byte[16]), Is.Zero);
    }
}
