"""The one cost model (psn.workflow.cost): model-steps, FLOPs, and the SLURM time and memory the
training rules ask for, worked by hand for the paper's Fashion-MNIST group."""

from psn.masks.starts import Start
from psn.workflow import cost
from psn.workflow.dst_plan import DSTJob
from psn.workflow.plan import DENSE, TrainJob

PAPER = (784, 1024, 1024, 10)   # 784*1024 + 1024*1024 + 1024*10 = 1,861,632 weights


def _static(layer_sizes=PAPER, epochs=10, seeds=(1, 2, 3, 4, 5)):
    return TrainJob("fashion_mnist", DENSE, "none", 0.0, epochs=epochs, layer_sizes=layer_sizes,
                    batch_size=128, seeds=seeds)


def test_steps_and_flops():
    job = _static()
    assert cost.steps_per_epoch(60000, 128) == 469            # 468.75: the partial batch is a step
    assert cost.weight_count(PAPER) == 1_861_632
    assert cost.model_steps(job) == 469 * 10 * 5
    # per model-step: forward and dW on every layer, dX on all but the first, 2*B*n_in*n_out each
    per_step = 2 * 128 * (2 * 1_861_632 + 1024 * 1024 + 1024 * 10)
    assert cost.flops(job) == 23450 * per_step


def test_runtime_and_memory_of_the_paper_group():
    job = _static()
    # 30 + 23450 model-steps * 20 ms * (1861632 / 1.86e6) / 60 = 37.82 minutes
    assert cost.runtime_minutes(job) == 37
    assert cost.runtime_minutes(job, step_cost=1.1) == 38     # 30 + 8.60
    # 2000 + 2 * (4 * 784 * 70000 / 1e6 = 219.52 MB of data) + 2 * (copies * 4 * 1861632 * 5 / 1e6)
    assert cost.mem_mb(job, 6) == 2885                        # 2000 + 439.04 + 446.79
    assert cost.mem_mb(job, 10) == 3183                       # 2000 + 439.04 + 744.65


def test_a_small_model_is_costed_as_a_tenth_of_the_paper_s():
    small = _static(layer_sizes=(784, 64, 64, 10), epochs=100)  # 54,912 weights: 3% of the paper's
    # 30 + 234500 model-steps * 20 ms * 0.1 / 60 = 37.82 minutes (at its 3%: 32.3)
    assert cost.runtime_minutes(small) == 37


def test_jobs_ask_for_their_rule_s_resources():
    static = _static()
    assert (static.runtime_minutes(), static.mem_mb()) == (37, 2885)
    dst = DSTJob("rigl", "fashion_mnist", Start("erk"), 0.9, epochs=10, layer_sizes=PAPER,
                 batch_size=128, seeds=(1, 2, 3, 4, 5))
    # the updates: a step costs 1.1 static ones, and 10 weight-sized tensors per model, not 6
    assert (dst.runtime_minutes(), dst.mem_mb()) == (38, 3183)
