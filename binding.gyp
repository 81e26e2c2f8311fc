{
  "targets": [
    {
      "target_name": "word2vec_native",
      "sources": [
        "native/core/alias_sampler.cc",
        "native/core/chunk_queue.cc",
        "native/core/eges_kernel.cc",
        "native/core/eges_trainer.cc",
        "native/core/graph.cc",
        "native/core/id_replay.cc",
        "native/core/group_sampler.cc",
        "native/core/kmeans.cc",
        "native/core/mapped_file.cc",
        "native/core/native_model_format.cc",
        "native/core/pooling.cc",
        "native/core/query.cc",
        "native/core/random_walks.cc",
        "native/core/trainer.cc",
        "native/core/trainer_checks.cc",
        "native/core/trainer_runtime.cc",
        "native/core/token_scanner.cc",
        "native/core/walk_batch.cc",
        "native/core/walk_plan.cc",
        "native/core/simd/dispatch.cc",
        "native/core/simd/scalar.cc",
        "native/core/simd/scalar_query.cc",
        "native/index/ann_index.cc",
        "native/index/ann_index_io.cc",
        "native/index/ann_index_search.cc",
        "native/index/distance.cc",
        "native/index/huge_pages.cc",
        "native/index/index_file.cc",
        "native/index/ivf_lists.cc",
        "native/index/stored_rows.cc",
        "native/backends/trainer_factory.cc",
        "native/binding/addon.cc",
        "native/binding/cuda_functions.cc",
        "native/binding/graph_walks_wrap.cc",
        "native/binding/graph_wrap.cc",
        "native/binding/index_wrap.cc",
        "native/binding/kept_ids.cc",
        "native/binding/kmeans_worker.cc",
        "native/binding/limits_object.cc",
        "native/binding/map_file.cc",
        "native/binding/native_model_functions.cc",
        "native/binding/pooling_functions.cc",
        "native/binding/query_functions.cc",
        "native/binding/token_scanner_wrap.cc",
        "native/binding/trainer_wrap.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node native/index/usearch-patch.mjs build/usearch-include)"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except_all"],
      "defines": ["NAPI_VERSION=8", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions"],
      "cflags!": ["-fno-exceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15"
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] } },
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", { "dependencies": ["w2v_simd_avx2", "w2v_simd_avx512"] }],
        ["target_arch=='arm64'", { "sources": ["native/core/simd/neon.cc"] }]
      ]
    },
    {
      "target_name": "w2v_simd_avx2",
      "type": "static_library",
      "sources": ["native/core/simd/avx2.cc", "native/core/simd/avx2_query.cc", "native/index/distance_avx2.cc"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fPIC", "-mavx2", "-mfma", "-mf16c"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-mavx2", "-mfma", "-mf16c"] },
      "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/arch:AVX2"] } }
    },
    {
      "target_name": "w2v_simd_avx512",
      "type": "static_library",
      "sources": ["native/core/simd/avx512.cc"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fPIC", "-mavx512f"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-mavx512f"] },
      "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/arch:AVX512"] } }
    }
  ]
}
