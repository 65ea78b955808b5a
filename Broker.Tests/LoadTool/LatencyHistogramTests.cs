using MasterSocket.Benchmarks.Load;

namespace MasterSocket.Tests.LoadTool;

/// <summary>The latency percentiles the tool reports: within 1/32 of the exact value.</summary>
public class LatencyHistogramTests
{
    [Test]
    public void Percentiles_of_a_known_distribution_are_within_one_thirty_second_of_the_exact_value()
    {
        var histogram = new LatencyHistogram();
        for (long micros = 1; micros <= 100_000; micros++)
        {
            histogram.Record(micros * 1_000);
        }

        Assert.That(histogram.Count, Is.EqualTo(100_000));
        foreach (var (percentile, exactNanos) in new[] { (50.0, 50_000_000L), (90.0, 90_000_000L), (99.0, 99_000_000L), (99.9, 99_900_000L) })
        {
            Assert.That(histogram.PercentileNanos(percentile), Is.EqualTo(exactNanos).Within(exactNanos / 32), $"p{percentile}");
        }

        Assert.That(histogram.PercentileNanos(100), Is.EqualTo(100_000_000), "the top is the largest value recorded");
        Assert.That(histogram.MaxNanos, Is.EqualTo(100_000_000));
    }

    [Test]
    public void Small_values_are_exact_and_a_percentile_never_exceeds_the_maximum()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(10);
        histogram.Record(20);
        histogram.Record(1_000_003);

        Assert.Multiple(() =>
        {
            Assert.That(histogram.PercentileNanos(33), Is.EqualTo(10));
            Assert.That(histogram.PercentileNanos(66), Is.EqualTo(20));
            Assert.That(histogram.PercentileNanos(100), Is.EqualTo(1_000_003));
        });
    }

    [Test]
    public void An_empty_histogram_reports_zero()
    {
        Assert.That(new LatencyHistogram().PercentileNanos(99), Is.Zero);
    }

    [Test]
    public void A_send_time_after_the_receive_time_counts_as_zero()
    {
        var histogram = new LatencyHistogram();

        histogram.RecordTicks(sentTimestamp: 1_000, now: 900);

        Assert.That(histogram.Count, Is.EqualTo(1));
        Assert.That(histogram.MaxNanos, Is.Zero);
    }

    [Test]
    public void Receivers_on_many_threads_lose_no_value()
    {
        var histogram = new LatencyHistogram();

        Parallel.For(0, 4, thread =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                histogram.Record((thread * 1_000_000) + i);
            }
        });

        Assert.That(histogram.Count, Is.EqualTo(200_000));
        Assert.That(histogram.MaxNanos, Is.EqualTo(3_049_999));
    }
}
