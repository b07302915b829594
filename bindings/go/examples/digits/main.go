// Command digits trains a small MLP classifier on the handwritten digits data through the
// torchrs Go binding: 64 pixels -> 64 hidden units (ReLU) -> 10 classes, cross-entropy loss,
// Adam, full-batch training on 1,498 images, accuracy measured on the other 299.
//
//	go run ./examples/digits -data testdata/digits.csv.gz
package main

import (
	"compress/gzip"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"

	torch "github.com/torchrs/torchrs/bindings/go"
)

// Digits is the data: images (n x 64 pixels scaled to [0, 1]) and labels.
type Digits struct {
	Pixels []float32
	Labels []int64
}

// LoadDigits reads the gzip'd CSV (64 pixel values 0..16, then the label, per row).
func LoadDigits(path string) (*Digits, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(z).ReadAll()
	if err != nil {
		return nil, err
	}
	d := &Digits{}
	for i, row := range rows {
		if len(row) != 65 {
			return nil, fmt.Errorf("%s: row %d has %d fields, want 65", path, i+1, len(row))
		}
		for j, s := range row {
			v, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("%s: row %d: %v", path, i+1, err)
			}
			if j < 64 {
				d.Pixels = append(d.Pixels, float32(v)/16)
			} else {
				d.Labels = append(d.Labels, int64(v))
			}
		}
	}
	return d, nil
}

// Split puts every sixth image (299 of them) in the test set and the others in the training set.
func (d *Digits) Split() (train, test *Digits) {
	train, test = &Digits{}, &Digits{}
	for i, l := range d.Labels {
		s := train
		if i%6 == 5 {
			s = test
		}
		s.Pixels = append(s.Pixels, d.Pixels[i*64:i*64+64]...)
		s.Labels = append(s.Labels, l)
	}
	return train, test
}

// Tensors returns the images [n, 64] and the labels [n].
func (d *Digits) Tensors() (*torch.Tensor, *torch.Tensor, error) {
	x, err := torch.FromSlice(d.Pixels, int64(len(d.Labels)), 64)
	if err != nil {
		return nil, nil, err
	}
	y, err := torch.FromSlice(d.Labels)
	if err != nil {
		x.Free()
		return nil, nil, err
	}
	return x, y, nil
}

// Result is what a training run reached.
type Result struct {
	FirstLoss, LastLoss float64
	TestAccuracy        float64
}

// Train trains the classifier for the given number of epochs, logging the loss to w.
func Train(d *Digits, epochs int, w io.Writer) (*Result, error) {
	train, test := d.Split()
	xTrain, yTrain, err := train.Tensors()
	if err != nil {
		return nil, err
	}
	defer torch.FreeAll(xTrain, yTrain)
	xTest, yTest, err := test.Tensors()
	if err != nil {
		return nil, err
	}
	defer torch.FreeAll(xTest, yTest)

	torch.ManualSeed(0)
	hidden, err := torch.NewLinear(64, 64, true)
	if err != nil {
		return nil, err
	}
	defer hidden.Free()
	out, err := torch.NewLinear(64, 10, true)
	if err != nil {
		return nil, err
	}
	defer out.Free()
	model := torch.Sequential{hidden, torch.ReLU, out}

	opt, err := torch.NewAdam(0.01, 0.9, 0.999, 0, 1e-8, false)
	if err != nil {
		return nil, err
	}
	defer opt.Free()
	if err := opt.Add(model.Parameters()...); err != nil {
		return nil, err
	}

	res := &Result{}
	for epoch := 0; epoch < epochs; epoch++ {
		loss, err := step(model, opt, xTrain, yTrain)
		if err != nil {
			return nil, fmt.Errorf("epoch %d: %w", epoch, err)
		}
		if epoch == 0 {
			res.FirstLoss = loss
		}
		res.LastLoss = loss
		if epoch%20 == 0 || epoch == epochs-1 {
			fmt.Fprintf(w, "epoch %3d  loss %.4f\n", epoch, loss)
		}
	}

	var logits []float32
	torch.NoGrad(func() {
		var y *torch.Tensor
		if y, err = model.Forward(xTest); err == nil {
			logits, err = y.Float32s()
			y.Free()
		}
	})
	if err != nil {
		return nil, err
	}
	correct := 0
	for i, label := range test.Labels {
		if argmax(logits[i*10:i*10+10]) == label {
			correct++
		}
	}
	res.TestAccuracy = float64(correct) / float64(len(test.Labels))
	fmt.Fprintf(w, "test accuracy %.3f\n", res.TestAccuracy)
	return res, nil
}

// step runs one full-batch training step and returns the loss.
func step(model torch.Module, opt *torch.Optimizer, x, y *torch.Tensor) (float64, error) {
	logits, err := model.Forward(x)
	if err != nil {
		return 0, err
	}
	defer logits.Free()
	loss, err := torch.CrossEntropyLoss(logits, y)
	if err != nil {
		return 0, err
	}
	defer loss.Free()
	if err := opt.ZeroGrad(); err != nil {
		return 0, err
	}
	if err := loss.Backward(); err != nil {
		return 0, err
	}
	if err := opt.Step(); err != nil {
		return 0, err
	}
	return loss.Item()
}

func argmax(v []float32) int64 {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return int64(best)
}

func main() {
	data := flag.String("data", "testdata/digits.csv.gz", "the digits CSV (gzip'd)")
	epochs := flag.Int("epochs", 100, "training epochs (full batch)")
	flag.Parse()
	d, err := LoadDigits(*data)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := Train(d, *epochs, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
