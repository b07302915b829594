package main

import (
	"strings"
	"testing"

	torch "github.com/torchrs/torchrs/bindings/go"
)

func TestLoadDigits(t *testing.T) {
	d, err := LoadDigits("../../testdata/digits.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Labels) != 1797 || len(d.Pixels) != 1797*64 {
		t.Fatalf("%d labels, %d pixels", len(d.Labels), len(d.Pixels))
	}
	counts := make([]int, 10)
	for _, l := range d.Labels {
		counts[l]++
	}
	for digit, c := range counts {
		if c < 170 || c > 190 {
			t.Fatalf("%d images of digit %d", c, digit)
		}
	}
	for _, p := range d.Pixels {
		if p < 0 || p > 1 {
			t.Fatalf("pixel %v outside [0, 1]", p)
		}
	}
}

// TestTrainDigits trains the classifier; it is skipped, with the library's message, while the
// library lacks an op the training needs.
func TestTrainDigits(t *testing.T) {
	d, err := LoadDigits("../../testdata/digits.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	res, err := Train(d, 100, &log)
	if log.Len() > 0 {
		t.Log("\n" + log.String())
	}
	if torch.IsNotImplemented(err) {
		t.Skipf("waiting on the library: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !(res.LastLoss < res.FirstLoss/5) {
		t.Fatalf("the loss went from %.4f to %.4f", res.FirstLoss, res.LastLoss)
	}
	if res.TestAccuracy < 0.9 {
		t.Fatalf("test accuracy %.3f, want at least 0.9", res.TestAccuracy)
	}
}
