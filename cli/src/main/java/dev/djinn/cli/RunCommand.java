package dev.djinn.cli;

import dev.djinn.core.DjinnException;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.LocalModel;
import dev.djinn.engine.LocalSequence;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.Generator;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code djinn run}: generates text from a prompt on this machine, streaming it to stdout. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text from a prompt, streamed to stdout; speed goes to stderr.")
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "GGUF model file (or --peers)")
    Path model;

    @Option(names = "--peers", paramLabel = "HOST:PORT,...", split = ",",
            description = "run on a cluster through one of these nodes instead of --model")
    String[] peers;

    @Option(names = "--cluster-secret", paramLabel = "S", defaultValue = "${env:DJINN_CLUSTER_SECRET}",
            description = "the cluster's secret, with --peers (default: $DJINN_CLUSTER_SECRET)")
    String clusterSecret;

    @Option(names = "--wire", paramLabel = "FORMAT", description = "with --peers: hidden-state format for this request "
            + "(default: the cluster's)")
    String wire;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "the prompt")
    String prompt;

    @Option(names = {"-n", "--n-predict"}, defaultValue = "128", paramLabel = "N",
            description = "tokens to generate; -1 = until the end of the context (default: ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--temp", defaultValue = "0.8", description = "temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", description = "penalty window (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--frequency-penalty", defaultValue = "0")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0")
    float presencePenalty;

    @Option(names = {"-s", "--seed"}, defaultValue = "-1", description = "random seed; -1 = random (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-c", "--ctx"}, defaultValue = "4096",
            description = "context length in tokens (capped at the model's) (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = {"-t", "--threads"}, description = "compute threads (default: one per core)")
    Integer threads;

    @Option(names = {"-b", "--batch"}, defaultValue = "512", description = "prompt tokens per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--kv-type", defaultValue = "f16", description = "KV cache precision: f16 or f32 (default: ${DEFAULT-VALUE})")
    String kvType;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop when this text appears (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "keep generating past end-of-generation tokens")
    boolean ignoreEos;

    @Option(names = "--echo", description = "print the prompt before the generated text")
    boolean echo;

    @Option(names = "--ids", description = "print the generated token ids (space-separated, one line) instead of"
            + " text; with --echo the prompt's ids come first")
    boolean ids;

    @Override
    public Integer call() {
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1 || batch < 1 || ctx < 1) {
            throw new DjinnException("--threads, --batch and --ctx must be positive");
        }
        SamplingParams sampling = new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN,
                frequencyPenalty, presencePenalty, seed);
        KvCacheType kv = KvCacheType.parse(kvType);
        if ((model == null) == (peers == null)) {
            throw new DjinnException("give either --model FILE or --peers HOST:PORT");
        }
        if (peers != null) {
            return ClusterRun.run(this, sampling);
        }
        try (LocalModel lm = LocalModel.open(model, nThreads, batch)) {
            Tokenizer tok = lm.tokenizer();
            int[] promptIds = tok.encode(prompt, true, true);
            int context = Math.min(ctx, Math.max(lm.config().trainedContext(), 1));
            GenerationRequest req = new GenerationRequest(promptIds, sampling, tokens, stop, ignoreEos, -1);
            GenerationResult r;
            try (LocalSequence seq = new LocalSequence(lm, context, kv)) {
                r = ids ? generateIds(req, seq, tok) : generateText(req, seq, tok);
            }
            spec.commandLine().getErr().printf("djinn: prompt %d tokens, %.2f tokens/s | generation %d tokens, %.2f tokens/s | "
                            + "%d threads, %s kernels, finish: %s%n",
                    r.promptTokens(), r.promptTokensPerSecond(), r.generatedTokens(), r.generationTokensPerSecond(),
                    lm.threads(), dev.djinn.core.kernel.KernelProvider.get().name(), r.finishReason().openAiName());
        }
        return 0;
    }

    /** Streams the text to stdout (UTF-8: Main sets up the writer). */
    private GenerationResult generateText(GenerationRequest req, LocalSequence seq, Tokenizer tok) {
        PrintWriter out = spec.commandLine().getOut();
        if (echo) {
            out.print(prompt);
            out.flush();
        }
        GenerationResult r = new Generator(tok, batch).generate(req, seq, event -> {
            out.print(event.text());
            out.flush();
            return !out.checkError();
        });
        out.println();
        out.flush();
        return r;
    }

    /** Prints the ids on one line once generation ends (for comparisons with llama.cpp). */
    private GenerationResult generateIds(GenerationRequest req, LocalSequence seq, Tokenizer tok) {
        GenerationResult r = new Generator(tok, batch).generate(req, seq, event -> true);
        StringBuilder line = new StringBuilder();
        if (echo) {
            for (int id : req.prompt()) {
                line.append(id).append(' ');
            }
        }
        for (int id : r.tokens()) {
            line.append(id).append(' ');
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(line.toString().strip());
        out.flush();
        return r;
    }
}
