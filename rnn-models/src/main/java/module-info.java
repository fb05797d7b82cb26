/** Layers, task models, training, decoding and model files, written against rnn-core's interfaces. */
module dev.rnn.models {
    requires transitive dev.rnn.core;
    requires com.fasterxml.jackson.core;

    exports dev.rnn.models.decoding;
    exports dev.rnn.models.io;
    exports dev.rnn.models.layers;
    exports dev.rnn.models.series;
    exports dev.rnn.models.streaming;
    exports dev.rnn.models.tasks;
    exports dev.rnn.models.text;
    exports dev.rnn.models.training;
}
