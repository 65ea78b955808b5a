using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary>
/// The same bytes give the same messages however they arrive: split at every byte offset, in
/// one-byte segments, one byte per read, in random multi-segment pieces, and through a real Pipe.
/// Every run gets a fresh copy of the input, because <see cref="MessageReader"/> unmasks in place.
/// </summary>
public class FrameSplitTests
{
    private static readonly string Long = string.Concat(Enumerable.Range(0, 60).Select(i => i % 3 == 0 ? "é€" : "ab😀"));

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Representative inputs and what reading them whole must give (a fault, when there is one, last).</summary>
    private static (byte[] Bytes, string[] Expected) Input(string name)
    {
        var fragmentText = Utf8("Hello, wörld 😀!");
        var closeBody = ClientFrames.CloseBody(1000, Utf8("bye ✓"));
        return name switch
        {
            "small text frame" => (ClientFrames.Text("hello"), [$"{Received.Text("hello")}"]),
            "16-bit length frame" => (ClientFrames.Text(Long), [$"{Received.Text(Long)}"]),
            "fragmented message with an interleaved ping" => (ClientFrames.Concat(
                    ClientFrames.Text(fragmentText[..9], fin: false), // cuts inside "ö"
                    ClientFrames.Ping("beat"),
                    ClientFrames.Continuation(fragmentText[9..15], fin: false), // cuts inside "😀"
                    ClientFrames.Pong(),
                    ClientFrames.Continuation(fragmentText[15..], fin: true)),
                [$"{Received.Ping("beat")}", $"{Received.Pong()}", $"{Received.Text("Hello, wörld 😀!")}"]),
            "close frame" => (ClientFrames.Frame(FrameOpcode.Close, closeBody), [$"{Received.Close(closeBody)}"]),
            "all of them in a row" => (ClientFrames.Concat(Input("small text frame").Bytes, Input("16-bit length frame").Bytes,
                    Input("fragmented message with an interleaved ping").Bytes, Input("close frame").Bytes),
                [.. Input("small text frame").Expected, .. Input("16-bit length frame").Expected,
                    .. Input("fragmented message with an interleaved ping").Expected, .. Input("close frame").Expected]),
            "invalid UTF-8 across fragments" => (ClientFrames.Concat(
                    ClientFrames.Text("ok"),
                    ClientFrames.Text(Convert.FromHexString("41E282"), fin: false),
                    ClientFrames.Ping("x"),
                    ClientFrames.Continuation(Convert.FromHexString("41"), fin: true)),
                [$"{Received.Text("ok")}", $"{Received.Ping("x")}", "fault InvalidPayloadData"]),
            "message over the limit" => (ClientFrames.Concat(
                    ClientFrames.Text("ok"),
                    ClientFrames.Text(new string('a', 600), fin: false),
                    ClientFrames.Continuation(new string('b', 500), fin: true)),
                [$"{Received.Text("ok")}", "fault MessageTooBig"]),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    private const int Limit = 1000;

    private static readonly string[] Names =
    [
        "small text frame",
        "16-bit length frame",
        "fragmented message with an interleaved ping",
        "close frame",
        "all of them in a row",
        "invalid UTF-8 across fragments",
        "message over the limit",
    ];

    private static List<string> Outcome(MessageReaderHarness harness)
    {
        var outcome = harness.Messages.Select(m => m.ToString()).ToList();
        if (harness.Fault is { } fault)
        {
            outcome.Add($"fault {fault.Code}");
        }
        else
        {
            Assert.That(harness.Unconsumed, Is.Zero, "whole frames leave nothing behind");
        }

        return outcome;
    }

    /// <summary>Feeds a fresh copy of <paramref name="bytes"/> as the given arrivals, each a list of cut offsets within it.</summary>
    private static List<string> Feed(byte[] bytes, IReadOnlyList<(int Start, int End, int[] Cuts)> arrivals)
    {
        var copy = (byte[])bytes.Clone();
        var harness = new MessageReaderHarness(Limit);
        foreach (var (start, end, cuts) in arrivals)
        {
            if (harness.Fault is not null)
            {
                break;
            }

            var arrival = copy.AsMemory(start, end - start);
            var pieces = new List<ReadOnlyMemory<byte>>();
            var from = 0;
            foreach (var cut in cuts)
            {
                pieces.Add(arrival[from..(cut - start)]);
                from = cut - start;
            }

            pieces.Add(arrival[from..]);
            harness.Arrive(pieces);
        }

        return Outcome(harness);
    }

    [TestCaseSource(nameof(Names))]
    public void Read_whole_gives_the_expected_messages(string name)
    {
        var (bytes, expected) = Input(name);

        Assert.That(Feed(bytes, [(0, bytes.Length, [])]), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(Names))]
    public void Two_arrivals_split_at_every_offset_give_the_same_messages(string name)
    {
        var (bytes, expected) = Input(name);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.That(Feed(bytes, [(0, cut, []), (cut, bytes.Length, [])]), Is.EqualTo(expected), $"split at {cut}");
        }
    }

    [TestCaseSource(nameof(Names))]
    public void One_arrival_split_into_two_segments_at_every_offset_gives_the_same_messages(string name)
    {
        var (bytes, expected) = Input(name);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.That(Feed(bytes, [(0, bytes.Length, [cut])]), Is.EqualTo(expected), $"segment break at {cut}");
        }
    }

    [TestCaseSource(nameof(Names))]
    public void One_arrival_of_one_byte_segments_gives_the_same_messages(string name)
    {
        var (bytes, expected) = Input(name);

        Assert.That(Feed(bytes, [(0, bytes.Length, Enumerable.Range(1, bytes.Length - 1).ToArray())]), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(Names))]
    public void One_byte_per_arrival_gives_the_same_messages(string name)
    {
        var (bytes, expected) = Input(name);

        Assert.That(Feed(bytes, Enumerable.Range(0, bytes.Length).Select(i => (i, i + 1, Array.Empty<int>())).ToList()), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(Names))]
    public void Random_multi_segment_arrivals_give_the_same_messages(string name)
    {
        var (bytes, expected) = Input(name);
        var random = new Random(6455);
        for (var run = 0; run < 300; run++)
        {
            // Arrival boundaries, then segment boundaries inside each arrival (empty segments included).
            var boundaries = Sequences.RandomOffsets(random, bytes.Length, 6);
            var arrivals = new List<(int, int, int[])>();
            var start = 0;
            foreach (var end in boundaries.Append(bytes.Length))
            {
                var cuts = Sequences.RandomOffsets(random, end - start, 4).Select(c => c + start).ToArray();
                arrivals.Add((start, end, cuts));
                start = end;
            }

            Assert.That(Feed(bytes, arrivals), Is.EqualTo(expected),
                $"run {run}: arrivals {string.Join(" | ", arrivals.Select(a => $"{a.Item1}..{a.Item2} cut [{string.Join(",", a.Item3)}]"))}");
        }
    }

    [Test]
    public void A_64_bit_length_frame_in_random_segments_gives_the_same_message()
    {
        var text = string.Concat(Enumerable.Repeat("0123456789é€😀", 4000));
        var bytes = ClientFrames.Text(text);
        Assert.That(bytes[1], Is.EqualTo(0x80 | 127), "64-bit length");
        var random = new Random(7);
        for (var run = 0; run < 20; run++)
        {
            var copy = (byte[])bytes.Clone();
            var harness = new MessageReaderHarness();
            var arrivals = Sequences.RandomOffsets(random, copy.Length, 10);
            foreach (var arrival in Sequences.Pieces(copy, arrivals))
            {
                var segments = Sequences.RandomOffsets(random, arrival.Length, 8);
                harness.Arrive(Sequences.Pieces(arrival.ToArray(), segments));
            }

            Assert.That(harness.Messages, Is.EqualTo(new[] { Received.Text(text) }), $"run {run}");
        }
    }

    [TestCaseSource(nameof(Names))]
    public async Task A_real_pipe_fed_in_small_writes_gives_the_same_messages(string name)
    {
        var (bytes, expected) = Input(name);
        var random = new Random(13);
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 16, pauseWriterThreshold: 0, useSynchronizationContext: false));
        var reader = new MessageReader(Limit);
        var outcome = new List<string>();
        var written = 0;
        var faulted = false;
        while (!faulted && written < bytes.Length)
        {
            var chunk = Math.Min(random.Next(1, 40), bytes.Length - written);
            await pipe.Writer.WriteAsync(bytes.AsMemory(written, chunk));
            written += chunk;

            var result = await pipe.Reader.ReadAsync();
            var buffer = result.Buffer;
            try
            {
                while (true)
                {
                    var status = reader.TryRead(ref buffer, out var message, out var fault);
                    if (status == ReadStatus.Message)
                    {
                        outcome.Add(Received.From(message).ToString());
                        continue;
                    }

                    if (status == ReadStatus.Fault)
                    {
                        outcome.Add($"fault {fault.Code}");
                        faulted = true;
                    }

                    break;
                }
            }
            finally
            {
                pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        Assert.That(outcome, Is.EqualTo(expected));
    }
}
