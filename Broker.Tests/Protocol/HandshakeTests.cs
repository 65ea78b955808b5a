using System.Buffers;
using System.Text;
using MasterSocket.Protocol.Handshake;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary>The opening handshake: RFC 6455 sections 1.3, 4.1, 4.2 and PROTOCOL.md 1.</summary>
public class HandshakeTests
{
    private const string SampleKey = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string SampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private static readonly string[] ValidHeaders =
    [
        "Host: broker.example:8080",
        "Upgrade: websocket",
        "Connection: Upgrade",
        $"Sec-WebSocket-Key: {SampleKey}",
        "Sec-WebSocket-Version: 13",
    ];

    private static string Head(string requestLine, IEnumerable<string> headers) =>
        requestLine + "\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    private static string ValidHead(params string[] extraHeaders) => Head("GET /ws HTTP/1.1", ValidHeaders.Concat(extraHeaders));

    /// <summary>The valid headers with the one named <paramref name="name"/> replaced by <paramref name="replacement"/> (or dropped).</summary>
    private static IEnumerable<string> Replace(string name, string? replacement)
    {
        foreach (var header in ValidHeaders)
        {
            if (header.StartsWith(name + ":", StringComparison.Ordinal))
            {
                if (replacement is not null)
                {
                    yield return replacement;
                }
            }
            else
            {
                yield return header;
            }
        }
    }

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    private static HandshakeRequest Parse(string head)
    {
        var buffer = new ReadOnlySequence<byte>(Latin1(head));
        var status = HandshakeParser.TryParse(ref buffer, HandshakeParser.DefaultMaxHeaderBytes, out var request);
        Assert.That(status, Is.EqualTo(HandshakeParseStatus.Parsed), head);
        return request!;
    }

    private static HandshakeParseStatus Status(string head, int maxHeaderBytes = HandshakeParser.DefaultMaxHeaderBytes)
    {
        var buffer = new ReadOnlySequence<byte>(Latin1(head));
        return HandshakeParser.TryParse(ref buffer, maxHeaderBytes, out _);
    }

    private static string Accept(string key, string? subprotocol)
    {
        var output = new ArrayBufferWriter<byte>();
        HandshakeResponse.WriteAccept(output, key, subprotocol);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    private static string Rejection(int status, string reason)
    {
        var output = new ArrayBufferWriter<byte>();
        HandshakeResponse.WriteRejection(output, status, reason);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Test]
    public void Accept_key_matches_the_example_of_RFC_6455_section_1_3()
    {
        Assert.That(HandshakeResponse.ComputeAccept(SampleKey), Is.EqualTo(SampleAccept));
    }

    [Test]
    public void A_full_upgrade_request_is_parsed_from_a_multi_segment_sequence()
    {
        var bytes = Latin1(ValidHead("Origin: https://game.example", "Sec-WebSocket-Protocol: chat, mastersocket.v1"));
        var buffer = Sequences.SplitAt(bytes, 3, 17, 40, 41, bytes.Length - 2);

        var status = HandshakeParser.TryParse(ref buffer, HandshakeParser.DefaultMaxHeaderBytes, out var request);

        Assert.That(status, Is.EqualTo(HandshakeParseStatus.Parsed));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(buffer.Length, Is.Zero, "the whole head is consumed");
            Assert.That(request!.Method, Is.EqualTo("GET"));
            Assert.That(request.Target, Is.EqualTo("/ws"));
            Assert.That(request.Path, Is.EqualTo("/ws"));
            Assert.That(request.HttpMajor, Is.EqualTo(1));
            Assert.That(request.HttpMinor, Is.EqualTo(1));
            Assert.That(request.Header("host"), Is.EqualTo("broker.example:8080"));
            Assert.That(request.Header("sec-websocket-key"), Is.EqualTo(SampleKey));
            Assert.That(request.IsWebSocketUpgrade, Is.True);
            Assert.That(request.OfferedSubprotocols, Is.EqualTo(new[] { "chat", "mastersocket.v1" }));
            Assert.That(request.Origin, Is.EqualTo("https://game.example"));
        }
    }

    [Test]
    public void A_valid_upgrade_is_accepted_with_a_101_response()
    {
        var decision = HandshakeValidator.Decide(Parse(ValidHead()));

        Assert.That(decision.Accepted, Is.True, decision.Reason);
        Assert.That(decision.StatusCode, Is.EqualTo(101));
        Assert.That(decision.Subprotocol, Is.Null);
        Assert.That(Accept(SampleKey, decision.Subprotocol), Is.EqualTo(
            "HTTP/1.1 101 Switching Protocols\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            $"Sec-WebSocket-Accept: {SampleAccept}\r\n" +
            "\r\n"));
    }

    [Test]
    public void The_subprotocol_is_selected_and_echoed_only_when_the_client_offers_it()
    {
        var offered = HandshakeValidator.Decide(Parse(ValidHead("Sec-WebSocket-Protocol: chat, mastersocket.v1")));
        var notOffered = HandshakeValidator.Decide(Parse(ValidHead("Sec-WebSocket-Protocol: chat, superchat")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offered.Subprotocol, Is.EqualTo("mastersocket.v1"));
            Assert.That(Accept(SampleKey, offered.Subprotocol), Does.EndWith(
                $"Sec-WebSocket-Accept: {SampleAccept}\r\nSec-WebSocket-Protocol: mastersocket.v1\r\n\r\n"));
            Assert.That(notOffered.Accepted, Is.True);
            Assert.That(notOffered.Subprotocol, Is.Null);
            Assert.That(Accept(SampleKey, notOffered.Subprotocol), Does.Not.Contain("Sec-WebSocket-Protocol"));
        }
    }

    [Test]
    public void A_subprotocol_offered_in_a_second_header_line_is_found()
    {
        var request = Parse(ValidHead("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: mastersocket.v1"));

        Assert.That(request.OfferedSubprotocols, Is.EqualTo(new[] { "chat", "mastersocket.v1" }));
        Assert.That(HandshakeValidator.Decide(request).Subprotocol, Is.EqualTo("mastersocket.v1"));
    }

    [TestCase("GET /ws HTTP/1.1", 101)]
    [TestCase("GET /ws?token=abc&x=/other HTTP/1.1", 101)]
    [TestCase("GET /ws? HTTP/1.1", 101)]
    [TestCase("GET http://broker.example:8080/ws HTTP/1.1", 101)]
    [TestCase("GET /other HTTP/1.1", 404)]
    [TestCase("GET / HTTP/1.1", 404)]
    [TestCase("GET /ws/ HTTP/1.1", 404)]
    [TestCase("GET /WS HTTP/1.1", 404)]
    [TestCase("GET /wsx?x=/ws HTTP/1.1", 404)]
    [TestCase("GET http://broker.example:8080/ HTTP/1.1", 404)]
    [TestCase("POST /ws HTTP/1.1", 400)]
    [TestCase("get /ws HTTP/1.1", 400)]
    [TestCase("GET /ws HTTP/1.0", 400)]
    [TestCase("GET /ws HTTP/0.9", 400)]
    [TestCase("GET /ws HTTP/2.0", 101)]
    public void The_request_line_decides(string requestLine, int expectedStatus)
    {
        var decision = HandshakeValidator.Decide(Parse(Head(requestLine, ValidHeaders)));

        Assert.That(decision.StatusCode, Is.EqualTo(expectedStatus), decision.Reason);
    }

    [Test]
    public void The_query_string_is_kept_in_the_target_but_not_in_the_path()
    {
        var request = Parse(Head("GET /ws?token=abc HTTP/1.1", ValidHeaders));

        Assert.That(request.Target, Is.EqualTo("/ws?token=abc"));
        Assert.That(request.Path, Is.EqualTo("/ws"));
    }

    [Test]
    public void A_different_configured_path_is_honoured()
    {
        var request = Parse(Head("GET /socket HTTP/1.1", ValidHeaders));

        Assert.That(HandshakeValidator.Decide(request, "/socket").StatusCode, Is.EqualTo(101));
        Assert.That(HandshakeValidator.Decide(request).StatusCode, Is.EqualTo(404));
    }

    [TestCase("Host", null, 400, TestName = "Missing Host is 400")]
    [TestCase("Host", "Host: ", 400, TestName = "Empty Host is 400")]
    [TestCase("Connection", null, 400, TestName = "Missing Connection is 400")]
    [TestCase("Connection", "Connection: keep-alive", 400, TestName = "Connection without Upgrade is 400")]
    [TestCase("Connection", "Connection: upgraded", 400, TestName = "Connection with a token that only starts with upgrade is 400")]
    [TestCase("Connection", "Connection: keep-alive, Upgrade", 101, TestName = "Connection listing Upgrade among others is accepted")]
    [TestCase("Connection", "Connection: UPGRADE", 101, TestName = "Connection token is case-insensitive")]
    [TestCase("Sec-WebSocket-Key", null, 400, TestName = "Missing key is 400")]
    [TestCase("Sec-WebSocket-Key", "Sec-WebSocket-Key: ", 400, TestName = "Empty key is 400")]
    [TestCase("Sec-WebSocket-Key", "Sec-WebSocket-Key: not*base64*at*all*here!!", 400, TestName = "Key that is not base64 is 400")]
    [TestCase("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==", 400, TestName = "Key decoding to 10 bytes is 400")]
    [TestCase("Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA=", 400, TestName = "Key decoding to 17 bytes is 400")]
    [TestCase("Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAA", 400, TestName = "Key decoding to 18 bytes is 400")]
    [TestCase("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ", 400, TestName = "Key without padding is 400")]
    [TestCase("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==dGhl", 400, TestName = "Key with data after the padding is 400")]
    [TestCase("Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==", 101, TestName = "Any 16 bytes in base64 are a valid key")]
    [TestCase("Sec-WebSocket-Version", null, 426, TestName = "Missing version is 426")]
    [TestCase("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8", 426, TestName = "Version 8 is 426")]
    [TestCase("Sec-WebSocket-Version", "Sec-WebSocket-Version: 14", 426, TestName = "Version 14 is 426")]
    [TestCase("Sec-WebSocket-Version", "Sec-WebSocket-Version: 13, 8", 426, TestName = "A version list is 426")]
    [TestCase("Upgrade", "Upgrade: WebSocket", 101, TestName = "Upgrade token is case-insensitive")]
    [TestCase("Upgrade", "Upgrade: h2c", 426, TestName = "Upgrade to another protocol is 426")]
    [TestCase("Upgrade", null, 426, TestName = "No Upgrade header is 426")]
    [TestCase("Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==", 400, TestName = "Two key lines are 400")]
    [TestCase("Sec-WebSocket-Version", "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13", 426, TestName = "Two version lines are 426")]
    [TestCase("Host", "Host: \r\nHost: broker.example", 101, TestName = "Host repeated after an empty line joins to a non-empty value")]
    [TestCase("Connection", "Connection: keep-alive\r\nconnection: Upgrade", 101, TestName = "Upgrade in a second Connection line counts")]
    [TestCase("Upgrade", "UPGRADE: websocket", 101, TestName = "Header names are case-insensitive")]
    public void Each_header_rule_decides(string header, string? replacement, int expectedStatus)
    {
        var decision = HandshakeValidator.Decide(Parse(Head("GET /ws HTTP/1.1", Replace(header, replacement))));

        Assert.That(decision.StatusCode, Is.EqualTo(expectedStatus), decision.Reason);
        Assert.That(decision.Accepted, Is.EqualTo(expectedStatus == 101));
    }

    [Test]
    public void A_plain_HTTP_GET_on_the_websocket_path_is_426_and_says_what_to_upgrade_to()
    {
        var decision = HandshakeValidator.Decide(Parse("GET /ws HTTP/1.1\r\nHost: broker.example\r\nAccept: text/html\r\n\r\n"));
        var response = Rejection(decision.StatusCode, decision.Reason);

        Assert.That(decision.StatusCode, Is.EqualTo(426));
        Assert.That(response, Does.StartWith("HTTP/1.1 426 Upgrade Required\r\n"));
        Assert.That(response, Does.Contain("\r\nUpgrade: websocket\r\n"));
        Assert.That(response, Does.Contain("\r\nSec-WebSocket-Version: 13\r\n"));
        Assert.That(response, Does.Contain("\r\nConnection: close\r\n"));
    }

    [Test]
    public void A_plain_HTTP_GET_on_another_path_is_404()
    {
        var decision = HandshakeValidator.Decide(Parse("GET /index.html HTTP/1.1\r\nHost: broker.example\r\n\r\n"));

        Assert.That(decision.StatusCode, Is.EqualTo(404));
        Assert.That(Rejection(decision.StatusCode, decision.Reason), Does.StartWith("HTTP/1.1 404 Not Found\r\n"));
    }

    [Test]
    public void An_unsupported_version_gets_426_with_the_supported_version()
    {
        var decision = HandshakeValidator.Decide(Parse(Head("GET /ws HTTP/1.1", Replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8"))));

        Assert.That(decision.StatusCode, Is.EqualTo(426));
        Assert.That(Rejection(decision.StatusCode, decision.Reason), Does.Contain("\r\nSec-WebSocket-Version: 13\r\n"));
    }

    [TestCase(400, "HTTP/1.1 400 Bad Request\r\n")]
    [TestCase(403, "HTTP/1.1 403 Forbidden\r\n")]
    [TestCase(404, "HTTP/1.1 404 Not Found\r\n")]
    [TestCase(431, "HTTP/1.1 431 Request Header Fields Too Large\r\n")]
    [TestCase(503, "HTTP/1.1 503 Service Unavailable\r\n")]
    public void A_rejection_is_a_complete_response_with_a_text_body(int status, string statusLine)
    {
        var response = Rejection(status, "why: é");
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var body = response[(split + 4)..];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response, Does.StartWith(statusLine));
            Assert.That(body, Is.EqualTo("why: é\n"));
            Assert.That(response, Does.Contain($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n"));
            Assert.That(response, Does.Contain("\r\nConnection: close\r\n"));
            Assert.That(response, Does.Not.Contain("Upgrade:"), "only 426 names an upgrade");
        }
    }

    [Test]
    public void Header_names_are_case_insensitive()
    {
        var request = Parse(Head("GET /ws HTTP/1.1",
        [
            "HOST: broker.example",
            "upgrade: websocket",
            "CONNECTION: Upgrade",
            $"sec-websocket-KEY: {SampleKey}",
            "SEC-WEBSOCKET-VERSION: 13",
            "ORIGIN: https://game.example",
        ]));

        Assert.That(HandshakeValidator.Decide(request).StatusCode, Is.EqualTo(101));
        Assert.That(request.Origin, Is.EqualTo("https://game.example"));
        Assert.That(request.Header("host"), Is.EqualTo("broker.example"));
    }

    [Test]
    public void Header_values_are_trimmed_of_optional_whitespace()
    {
        var request = Parse(Head("GET /ws HTTP/1.1",
        [
            "Host:broker.example",
            "Upgrade: \twebsocket \t",
            "Connection:   Upgrade",
            $"Sec-WebSocket-Key:  {SampleKey} ",
            "Sec-WebSocket-Version:13",
        ]));

        Assert.That(request.Header("sec-websocket-key"), Is.EqualTo(SampleKey));
        Assert.That(HandshakeValidator.Decide(request).StatusCode, Is.EqualTo(101));
    }

    [Test]
    public void Origin_is_null_when_the_client_sent_none()
    {
        Assert.That(Parse(ValidHead()).Origin, Is.Null);
    }

    [Test]
    public void A_partial_head_needs_more_data_at_every_byte_split_and_the_buffer_is_untouched()
    {
        var bytes = Latin1(ValidHead());
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            var status = HandshakeParser.TryParse(ref buffer, HandshakeParser.DefaultMaxHeaderBytes, out var request);

            Assert.That(status, Is.EqualTo(HandshakeParseStatus.NeedMoreData), $"after {length} bytes");
            Assert.That(buffer.Length, Is.EqualTo(length));
            Assert.That(request, Is.Null);
        }
    }

    [Test]
    public void The_head_split_into_two_segments_at_every_offset_parses_the_same()
    {
        var bytes = Latin1(ValidHead("Origin: https://game.example"));
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var buffer = Sequences.SplitAt(bytes, cut);
            var status = HandshakeParser.TryParse(ref buffer, HandshakeParser.DefaultMaxHeaderBytes, out var request);

            Assert.That(status, Is.EqualTo(HandshakeParseStatus.Parsed), $"cut at {cut}");
            Assert.That(buffer.Length, Is.Zero);
            Assert.That(request!.Origin, Is.EqualTo("https://game.example"));
            Assert.That(HandshakeValidator.Decide(request).StatusCode, Is.EqualTo(101));
        }
    }

    [Test]
    public void Bytes_after_the_head_are_left_in_the_buffer_for_the_websocket()
    {
        var head = Latin1(ValidHead());
        var frame = ClientFrames.Text("pipelined");
        var buffer = Sequences.SplitAt(ClientFrames.Concat(head, frame), head.Length - 1);

        var status = HandshakeParser.TryParse(ref buffer, HandshakeParser.DefaultMaxHeaderBytes, out _);

        Assert.That(status, Is.EqualTo(HandshakeParseStatus.Parsed));
        Assert.That(buffer.ToArray(), Is.EqualTo(frame));
        var reader = new MessageReader(1024);
        Assert.That(reader.TryRead(ref buffer, out var message, out _), Is.EqualTo(ReadStatus.Message));
        Assert.That(Encoding.UTF8.GetString(message.Payload.ToArray()), Is.EqualTo("pipelined"));
    }

    [Test]
    public void A_head_of_exactly_the_bound_is_parsed_and_one_byte_more_is_too_large()
    {
        var head = ValidHead();
        var bytes = Latin1(head);

        Assert.That(Status(head, bytes.Length), Is.EqualTo(HandshakeParseStatus.Parsed));
        Assert.That(Status(head, bytes.Length - 1), Is.EqualTo(HandshakeParseStatus.TooLarge));
    }

    [Test]
    public void A_head_that_reaches_the_bound_without_its_blank_line_is_too_large()
    {
        const int bound = 256;
        var endless = "GET /ws HTTP/1.1\r\nX-Filler: " + new string('a', 400);

        Assert.That(Status(endless[..(bound - 1)], bound), Is.EqualTo(HandshakeParseStatus.NeedMoreData));
        Assert.That(Status(endless[..bound], bound), Is.EqualTo(HandshakeParseStatus.TooLarge));
        Assert.That(Status(endless, bound), Is.EqualTo(HandshakeParseStatus.TooLarge));
    }

    [Test]
    public void A_head_whose_blank_line_comes_after_the_bound_is_too_large()
    {
        var head = ValidHead("X-Filler: " + new string('a', 300));

        Assert.That(Status(head, 256), Is.EqualTo(HandshakeParseStatus.TooLarge));
    }

    [Test]
    public void The_default_bound_is_8_KiB()
    {
        Assert.That(Status(ValidHead("X-Filler: " + new string('a', 8 * 1024))), Is.EqualTo(HandshakeParseStatus.TooLarge));
        Assert.That(Status(ValidHead("X-Filler: " + new string('a', 7 * 1024))), Is.EqualTo(HandshakeParseStatus.Parsed));
    }

    [TestCase("GET /ws\r\nHost: a\r\n\r\n", TestName = "Request line without version is malformed")]
    [TestCase("GET /ws HTTP/1.1 extra\r\nHost: a\r\n\r\n", TestName = "Request line with four parts is malformed")]
    [TestCase("GET  /ws HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "Request line with a double space is malformed")]
    [TestCase("GET /ws  HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "Request line with a double space before the version is malformed")]
    [TestCase(" GET /ws HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "Request line with leading space is malformed")]
    [TestCase("G(T /ws HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "Method that is not a token is malformed")]
    [TestCase("GET /ws HTTP/11\r\nHost: a\r\n\r\n", TestName = "Version without a dot is malformed")]
    [TestCase("GET /ws HTTP/1.10\r\nHost: a\r\n\r\n", TestName = "Version with two minor digits is malformed")]
    [TestCase("GET /ws http/1.1\r\nHost: a\r\n\r\n", TestName = "Lower-case protocol name is malformed")]
    [TestCase("GET /ws HTTP/x.1\r\nHost: a\r\n\r\n", TestName = "Version that is not a digit is malformed")]
    [TestCase("\r\n\r\n", TestName = "An empty head is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\nHost a\r\n\r\n", TestName = "Header without a colon is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\nHost : a\r\n\r\n", TestName = "Space before the colon is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\nHost\t: a\r\n\r\n", TestName = "Tab before the colon is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\n: a\r\n\r\n", TestName = "Empty header name is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", TestName = "Obs-fold with a space is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\nHost: a\r\n\tfolded: x\r\n\r\n", TestName = "Obs-fold with a tab is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\nX-A: a\u0001b\r\n\r\n", TestName = "Control character in a value is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\nX-A: a\nX-B: b\r\n\r\n", TestName = "Bare LF inside a header line is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\nX-A: a\u007fb\r\n\r\n", TestName = "DEL in a value is malformed")]
    [TestCase("GET /ws HTTP/1.1\r\nX(A): a\r\n\r\n", TestName = "Header name that is not a token is malformed")]
    public void Malformed_heads_are_refused(string head)
    {
        var buffer = new ReadOnlySequence<byte>(Latin1(head));

        var status = HandshakeParser.TryParse(ref buffer, HandshakeParser.DefaultMaxHeaderBytes, out var request);

        Assert.That(status, Is.EqualTo(HandshakeParseStatus.Malformed));
        Assert.That(request, Is.Null);
        Assert.That(buffer.Length, Is.EqualTo(Latin1(head).Length), "a refused head is not consumed");
    }

    [Test]
    public void A_header_value_may_hold_tabs_and_obs_text()
    {
        var request = Parse(ValidHead("X-Note: a\tb \u00e9"));

        Assert.That(request.Header("x-note"), Is.EqualTo("a\tb \u00e9"));
    }
}
