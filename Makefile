# 建言 jianyan — 常用命令。第一次运行会自动创建 .venv 并安装。
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install check issue test bench wheelhouse site clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q tools/jianyan  # as an installed wheel has it: no compiling at start-up
	touch $(STAMP)

install: $(STAMP)  ## 创建 .venv 并安装 jianyan

check: $(STAMP)  ## 检查全部建言信息和专刊
	$(BIN)/jianyan check

issue: $(STAMP)  ## 校验后生成最新一期专刊（build/issues/）
	$(BIN)/jianyan check
	$(BIN)/jianyan issue build

# The tests make thousands of small files (campaign copies, git repositories, caches): on a tmpfs they
# take far less system time than on disk: /dev/shm when it is one with 4 GB free (make test TEST_TMP=
# keeps the system's temporary folder).
TEST_TMP ?= $(shell df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 && $$1 == "tmpfs" && $$4 > 4194304 {print "/dev/shm"}')

test: $(STAMP)  ## 运行全部测试（含端到端测试，多进程并行），并列出最慢的测试
	$(if $(TEST_TMP),TMPDIR=$(TEST_TMP) )$(BIN)/python -m pytest -q -n auto --dist worksteal --durations=15

bench: $(STAMP)  ## 性能基准，结果写入 build/bench/results.json
	$(BIN)/python -c "import datasketch, snownlp" 2>/dev/null || $(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.bench
	$(BIN)/python -m benchmarks.themes_accuracy  # 主题归类：准确度和 1 万条的用时，写入 build/bench/themes.json

site: $(STAMP)  ## 生成公开网站（build/site/，可直接打开 index.html）
	$(BIN)/jianyan site

wheelhouse: $(STAMP)  ## 离线安装包：全部 wheel 和 install.sh 放进 wheelhouse/（需联网一次）
	$(BIN)/python tools/wheelhouse.py wheelhouse

clean:
	rm -rf build .jianyan-cache
